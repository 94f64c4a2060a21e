package io.edgewatch.daemon;

import java.lang.management.ManagementFactory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.management.UnixOperatingSystemMXBean;

import io.edgewatch.core.secret.Redactor;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.daemon.config.CameraConfig;
import io.edgewatch.daemon.config.EdgewatchConfig;
import io.edgewatch.daemon.config.HealthConfig;
import io.edgewatch.daemon.config.ServerDetector;
import io.edgewatch.daemon.config.SourceConfig;
import io.edgewatch.health.CameraListener;
import io.edgewatch.health.Health;
import io.edgewatch.health.HealthServer;
import io.edgewatch.health.HealthStore;
import io.edgewatch.health.SourceProbe;
import io.edgewatch.health.alert.AlertWebhook;
import io.edgewatch.sink.JsonlSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxStats;
import io.edgewatch.sink.roboflow.RoboflowSink;
import io.edgewatch.sink.webhook.Webhook;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A running edgewatch: its lifecycle. {@link #start} opens the stores and sinks, wires and starts
 * every enabled camera ({@link CameraWiring}) and serves health; {@link #stop()} ends every source,
 * each pipeline then closes and reports its open window, and {@link #completion()} completes once
 * all reports are written; {@link #close()} frees sinks, detectors and threads.
 *
 * <p>Cameras share workers and sinks and nothing else: a camera whose source or detector fails is
 * logged, with its id and what failed, and the others go on.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Map<String, ReportSink> sinks = new LinkedHashMap<>();
    private final CameraWiring wiring;
    private final Health health;
    private final HealthStore healthStore;
    private final Webhook webhook;
    private final RoboflowSink roboflow;
    private final Duration stopGrace;
    private final HealthServer healthServer;
    private final Sinks.One<Boolean> stop = Sinks.one();
    private final Outbox outbox;
    private final Mono<Void> completion;
    private final AtomicInteger failedCameras = new AtomicInteger();
    private final int cameraCount;

    private Daemon(EdgewatchConfig config) {
        registerSecrets(config);
        this.stopGrace = config.storage().outboxStopGrace();
        this.healthStore = openHealthStore(config);
        // local time: the statistics endpoint reads and writes times as Roboflow's reports carry them
        this.health = new Health(Clock.systemDefaultZone(), healthStore);
        health.storage("health", healthStore::storageProblem, config.alertSustain());
        if (config.roboflow() != null && config.roboflow().workspace() != null) {
            health.workspace(config.roboflow().workspace());
        }
        this.wiring = new CameraWiring(config.inference());
        List<CameraConfig> cameras = config.enabledCameras();
        // each camera's custom metadata, for every sink that attaches it
        Map<String, Map<String, String>> metadata = new LinkedHashMap<>();
        cameras.forEach(c -> metadata.put(c.id(), c.metadata()));
        if (config.jsonl() != null) {
            sinks.put("jsonl", JsonlSink.open(config.jsonl().path(), config.deviceId(), metadata));
        }
        if (config.roboflow() != null || config.alertWebhook() != null) {
            this.outbox = Outbox.open(config.storage().path(), config.storage().outboxMaxEntries(), config.storage().memoryQueue(),
                    Clock.systemUTC());
            health.outbox(outbox::stats);
            health.storage("outbox", outbox::storageProblem, config.alertSustain());
        } else {
            this.outbox = null;
        }
        if (config.roboflow() != null) {
            RoboflowSink roboflow = RoboflowSink.start(outbox, config.roboflow(), metadata);
            sinks.put("roboflow", roboflow);
            this.roboflow = roboflow;
            health.delivery(RoboflowSink.DESTINATION, roboflow::stopped, roboflow::stopReason, config.alertSustain(),
                    "check roboflow.api_key, roboflow.api_url, the workspace and its credits");
        } else {
            this.roboflow = null;
            log.info("Roboflow reporting is off: no roboflow.api_key in {} (set ROBOFLOW_API_KEY to turn it on)",
                    config.directory().resolve("edgewatch.yaml"));
        }
        if (config.alertWebhook() != null) {
            this.webhook = new Webhook(outbox, config.alertWebhook());
            health.onAlert(new AlertWebhook(webhook, config.deviceId()));
        } else {
            this.webhook = null;
        }
        ReportSink summary = new LogSummarySink();
        List<Mono<Void>> runs = new ArrayList<>();
        for (CameraConfig camera : cameras) {
            try {
                runs.add(start(camera, summary));
            } catch (RuntimeException e) {
                failedCameras.incrementAndGet();
                log.error("camera {} ({}): not started: {}", camera.id(), camera.file(), e.getMessage());
            }
        }
        this.cameraCount = cameras.size();
        this.healthServer = healthServer(config.health());
        if (cameras.isEmpty()) {
            log.warn("no enabled camera in {}: nothing to watch until one is enabled", config.directory());
        }
        log.info("edgewatch running: {} camera(s), {} inference worker(s), sinks: {}; {}", runs.size(), config.inference().workers(),
                sinks.isEmpty() ? "none" : String.join(", ", sinks.keySet()), fileDescriptors());
        Mono<Void> all = runs.isEmpty() ? stop.asMono().then() : Mono.when(runs);
        this.completion = all.cache();
        this.completion.subscribe();
    }

    /**
     * Every configured secret, masked wherever it appears from now on (logs, states, alerts,
     * stores): keys and tokens are {@link io.edgewatch.core.secret.Secret}s, registered as they
     * are read; the passwords in camera URLs are registered here.
     */
    private static void registerSecrets(EdgewatchConfig config) {
        for (CameraConfig c : config.cameras()) {
            String url = c.source() instanceof SourceConfig.Rtsp r ? r.url() : c.source() instanceof SourceConfig.Http h ? h.url() : null;
            Matcher m = url == null ? null : URL_PASSWORD.matcher(url);
            if (m != null && m.find()) {
                Redactor.register(m.group(1));
                Redactor.register(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8));
            }
        }
    }

    private static final Pattern URL_PASSWORD = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/@:]*:([^/@]+)@");

    /**
     * The process's file descriptors: the JVM raises its soft limit to the hard one at start on
     * Linux (HotSpot's MaxFDLimit, on by default), so the limit said here is the hard limit.
     */
    private static String fileDescriptors() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix.getOpenFileDescriptorCount() + " of " + unix.getMaxFileDescriptorCount() + " file descriptors open";
        }
        return "file descriptors not known on this platform";
    }

    /** Starts every enabled camera of {@code config}. */
    public static Daemon start(EdgewatchConfig config) {
        return new Daemon(config);
    }

    private static HealthStore openHealthStore(EdgewatchConfig config) {
        try {
            return HealthStore.open(config.storage().path(), config.storage().healthHistory(), config.storage().memoryQueue());
        } catch (IllegalStateException e) {
            log.error("{}; baselines and alerts are kept in memory only", e.getMessage());
            return HealthStore.none();
        }
    }

    private HealthServer healthServer(HealthConfig h) {
        if (h == null) {
            return null;
        }
        try {
            HealthServer server = HealthServer.start(health, h.host(), h.port(), h.token().isEmpty() ? null : h.token().reveal(),
                    h.limits());
            log.info("health endpoint on {}: /healthz, /metrics, /api/cameras, /api/alerts, /{workspace}/inference-stats{}", server.url(),
                    h.token().isEmpty() ? "" : " (bearer token required)");
            return server;
        } catch (IllegalStateException e) {
            log.error("{}; the cameras run without it", e.getMessage());
            return null;
        }
    }

    private Mono<Void> start(CameraConfig camera, ReportSink summary) {
        FrameSource source = wiring.source(camera);
        CameraListener watch = health.camera(camera.id(), camera.inference().modelId(), camera.frequency(),
                SourceProbe.of(source.live(), source::status), camera.alerts());
        List<ReportSink> cameraSinks = new ArrayList<>();
        for (String name : camera.sinks()) {
            cameraSinks.add(sinks.get(name));
        }
        cameraSinks.add(summary);
        cameraSinks.add(ReportSink.of("health", watch::window));
        CameraWiring.Camera wired;
        try {
            wired = wiring.wire(camera, source, cameraSinks);
        } catch (RuntimeException e) {
            watch.stopped(e.getMessage());
            throw e;
        }
        log.info("camera {}: {} -> {} ({}, {} in flight), a window every {} s -> {}", camera.id(), source.describe(),
                camera.inference().type(), wired.adapter().modelId(), camera.inference().maxInFlight(),
                camera.frequency().toSeconds(), cameraSinks.stream().map(ReportSink::name).toList());
        return wired.pipeline().run(stop.asMono())
                .doOnSuccess(v -> log.info("camera {}: stopped", camera.id()))
                .onErrorResume(e -> {
                    failedCameras.incrementAndGet();
                    log.error("camera {} ({}): stopped after an error: {}", camera.id(), camera.file(), e.getMessage());
                    watch.stopped(e.getMessage());
                    return Mono.empty();
                });
    }

    /** The health endpoint's URL, when it is serving. */
    public Optional<String> healthUrl() {
        return Optional.ofNullable(healthServer).map(HealthServer::url);
    }

    /** Completes when every camera has stopped and its last report is written. */
    public Mono<Void> completion() {
        return completion;
    }

    /** True when every enabled camera failed (and there was at least one). */
    public boolean allCamerasFailed() {
        return cameraCount > 0 && failedCameras.get() >= cameraCount;
    }

    /** The outbox's depth, oldest age and counters, for health reporting; empty when Roboflow is off. */
    public Optional<OutboxStats> outboxStats() {
        return outbox == null ? Optional.empty() : Optional.of(outbox.stats());
    }

    /** Ends every source; the open windows are closed and reported. */
    public void stop() {
        stop.tryEmitValue(Boolean.TRUE);
    }

    /** Stops, waits up to {@code grace} for the last reports, then frees everything. */
    public void stopAndWait(Duration grace) {
        stop();
        try {
            completion.block(grace);
        } catch (RuntimeException e) {
            log.warn("not every camera finished within {} s; closing anyway", grace.toSeconds());
        }
    }

    @Override
    public void close() {
        stop();
        // deliveries in flight first, with their grace, so what was answered 2xx is deleted, not sent again
        if (roboflow != null) {
            roboflow.close(stopGrace);
        }
        if (webhook != null) {
            webhook.close(stopGrace);
        }
        for (ReportSink sink : sinks.values()) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                log.warn("closing sink {} failed: {}", sink.name(), e.getMessage());
            }
        }
        if (healthServer != null) {
            healthServer.close();
        }
        health.close();
        healthStore.close();
        wiring.close();
        if (outbox != null) {
            OutboxStats stats = outbox.stats();
            log.info("outbox {}: {} waiting (oldest {} s), {} delivered, {} retried, {} evicted in all", outbox.file(),
                    stats.depth(), stats.oldestAgeMillis() / 1000, stats.delivered(), stats.retries(), stats.evicted());
            outbox.close();
        }
    }
}
