package io.edgewatch.daemon;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.bytedeco.opencv.global.opencv_core;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.inference.opencv.OpenCvDetectors;
import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.daemon.config.CameraConfig;
import io.edgewatch.daemon.config.EdgewatchConfig;
import io.edgewatch.daemon.config.InferenceConfig;
import io.edgewatch.daemon.config.SourceConfig;
import io.edgewatch.health.Health;
import io.edgewatch.health.HealthServer;
import io.edgewatch.health.HealthStore;
import io.edgewatch.health.alert.AlertWebhook;
import io.edgewatch.inference.Detectors;
import io.edgewatch.inference.onnx.OnnxModel;
import io.edgewatch.inference.server.InferenceServerClient;
import io.edgewatch.sink.JsonlSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxStats;
import io.edgewatch.sink.roboflow.RoboflowSink;
import io.edgewatch.sink.webhook.Webhook;
import io.edgewatch.source.VideoSources;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A running edgewatch: every enabled camera's pipeline, the shared inference workers and sinks.
 *
 * <p>Cameras share workers and sinks and nothing else: a camera whose source or detector fails is
 * logged, with its id and what failed, and the others go on. {@link #stop()} ends every source;
 * each pipeline then closes and reports its open window, and {@link #completion()} completes once
 * all reports are written. {@link #close()} frees sinks, detectors and threads.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Scheduler workers;
    private final Map<String, ReportSink> sinks = new LinkedHashMap<>();
    private final List<InferenceAdapter> adapters = new ArrayList<>();
    /** One client per inference server URL, shared by its cameras: it bounds the requests to that server. */
    private final Map<String, InferenceServerClient> servers = new LinkedHashMap<>();
    /** One ONNX Runtime session per model file and provider, shared by its cameras. */
    private final Map<String, OnnxModel> onnxModels = new LinkedHashMap<>();
    private final EdgewatchConfig config;
    private final Health health;
    private final HealthStore healthStore;
    private final Webhook webhook;
    private final HealthServer healthServer;
    private final Sinks.One<Boolean> stop = Sinks.one();
    private final Outbox outbox;
    private final Mono<Void> completion;
    private final AtomicInteger failedCameras = new AtomicInteger();
    private final int cameraCount;

    private Daemon(EdgewatchConfig config) {
        this.config = config;
        this.healthStore = openHealthStore(config);
        // local time: the statistics endpoint reads and writes times as Roboflow's reports carry them
        this.health = new Health(Clock.systemDefaultZone(), healthStore);
        if (config.roboflow() != null && config.roboflow().workspace() != null) {
            health.workspace(config.roboflow().workspace());
        }
        opencv_core.setNumThreads(config.opencvThreads());
        this.workers = Schedulers.newBoundedElastic(config.workers(), 100_000, "edgewatch-inference");
        List<CameraConfig> cameras = config.enabledCameras();
        // each camera's custom metadata, for every sink that attaches it
        Map<String, Map<String, String>> metadata = new LinkedHashMap<>();
        cameras.forEach(c -> metadata.put(c.id(), c.metadata()));
        if (config.jsonl() != null) {
            sinks.put("jsonl", JsonlSink.open(config.jsonl().path(), config.deviceId(), metadata));
        }
        if (config.roboflow() != null || config.alertWebhook() != null) {
            this.outbox = Outbox.open(config.storagePath(), config.outboxMaxEntries(), Clock.systemUTC());
            health.outbox(outbox::stats);
        } else {
            this.outbox = null;
        }
        if (config.roboflow() != null) {
            RoboflowSink roboflow = RoboflowSink.start(outbox, config.roboflow(), metadata);
            sinks.put("roboflow", roboflow);
            health.delivery(RoboflowSink.DESTINATION, roboflow::stopped, config.alertSustain(),
                    "check roboflow.api_key, the workspace and its credits");
        } else {
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
        log.info("edgewatch running: {} camera(s), {} inference worker(s), sinks: {}", runs.size(), config.workers(),
                sinks.isEmpty() ? "none" : String.join(", ", sinks.keySet()));
        Mono<Void> all = runs.isEmpty() ? stop.asMono().then() : Mono.when(runs);
        this.completion = all.cache();
        this.completion.subscribe();
    }

    /** Starts every enabled camera of {@code config}. */
    public static Daemon start(EdgewatchConfig config) {
        return new Daemon(config);
    }

    private static HealthStore openHealthStore(EdgewatchConfig config) {
        try {
            return HealthStore.open(config.storagePath(), config.healthHistory());
        } catch (IllegalStateException e) {
            log.error("{}; baselines and alerts are kept in memory only", e.getMessage());
            return null;
        }
    }

    private HealthServer healthServer(EdgewatchConfig.HealthConfig h) {
        if (h == null) {
            return null;
        }
        try {
            HealthServer server = HealthServer.start(health, h.host(), h.port(), h.token());
            log.info("health endpoint on {}: /healthz, /metrics, /api/cameras, /api/alerts, /{workspace}/inference-stats{}", server.url(),
                    h.token() == null ? "" : " (bearer token required)");
            return server;
        } catch (IllegalStateException e) {
            log.error("{}; the cameras run without it", e.getMessage());
            return null;
        }
    }

    private Mono<Void> start(CameraConfig camera, ReportSink summary) {
        FrameSource source = VideoSources.withReconnect(source(camera), camera.reconnect());
        health.camera(camera.id(), camera.inference().modelId(), camera.frequency(), source, camera.alerts());
        InferenceAdapter adapter;
        try {
            adapter = adapter(camera.id(), camera.inference());
        } catch (RuntimeException e) {
            health.failed(camera.id(), e.getMessage());
            throw e;
        }
        adapters.add(adapter);
        List<ReportSink> cameraSinks = new ArrayList<>();
        for (String name : camera.sinks()) {
            cameraSinks.add(sinks.get(name));
        }
        cameraSinks.add(summary);
        cameraSinks.add(health);
        PipelineOptions options = new PipelineOptions(
                WindowOptions.of(camera.id(), adapter.modelId(), adapter.modelType(), camera.frequency()),
                camera.source().maxFps(), camera.inference().maxInFlight(), camera.inference().timeout());
        CameraPipeline pipeline = new CameraPipeline(options, source, adapter, cameraSinks);
        log.info("camera {}: {} -> {} ({}, {} in flight), a window every {} s -> {}", camera.id(), source.describe(),
                camera.inference().type(), adapter.modelId(), camera.inference().maxInFlight(),
                camera.frequency().toSeconds(), cameraSinks.stream().map(ReportSink::name).toList());
        Mono<Void> run = pipeline.run(stop.asMono())
                .doOnSuccess(v -> log.info("camera {}: stopped", camera.id()))
                .onErrorResume(e -> {
                    failedCameras.incrementAndGet();
                    log.error("camera {} ({}): stopped after an error: {}", camera.id(), camera.file(), e.getMessage());
                    health.failed(camera.id(), e.getMessage());
                    return Mono.empty();
                });
        return run;
    }

    private static FrameSource source(CameraConfig c) {
        SourceConfig s = c.source();
        if (s instanceof SourceConfig.File f) {
            return VideoSources.file(c.id(), f.path(), f.loop());
        }
        if (s instanceof SourceConfig.TestPattern t) {
            return VideoSources.testPattern(c.id(), t.pattern(), t.width(), t.height(), t.rate());
        }
        if (s instanceof SourceConfig.Rtsp r) {
            return VideoSources.rtsp(c.id(), r.url(), r.transport(), r.timeout().toNanos() / 1000);
        }
        if (s instanceof SourceConfig.Usb u) {
            return VideoSources.usb(c.id(), u.device(), u.inputFormat(), u.size(), u.fps());
        }
        SourceConfig.Http h = (SourceConfig.Http) s;
        return VideoSources.http(c.id(), h.url(), h.timeout().toNanos() / 1000);
    }

    private InferenceAdapter adapter(String cameraId, InferenceConfig i) {
        return switch (i.type()) {
            case "roboflow" -> servers.computeIfAbsent(i.server().url(),
                            url -> new InferenceServerClient(url, config.serverMaxInFlight(), i.timeout()))
                    .adapter(cameraId, i.server(), workers);
            case "onnx" -> onnxModels.computeIfAbsent(i.onnx().model().toAbsolutePath().normalize() + "|" + i.onnx().provider()
                            + "|" + i.onnx().inputSize(),
                            k -> OnnxModel.load(i.onnx().model(), i.onnx().provider(), config.onnxThreads(), i.onnx().inputSize()))
                    .adapter(i.modelId(), i.onnx(), workers);
            case "hog" -> OpenCvDetectors.hog(i.modelId(), i.hog(), workers);
            case "cascade" -> OpenCvDetectors.cascade(i.modelId(), i.cascade(), workers);
            case "motion" -> OpenCvDetectors.motion(i.modelId(), i.motion(), workers);
            default -> Detectors.noop(i.modelId());
        };
    }

    /** The health endpoint's URL, when it is serving. */
    public java.util.Optional<String> healthUrl() {
        return java.util.Optional.ofNullable(healthServer).map(HealthServer::url);
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
    public java.util.Optional<OutboxStats> outboxStats() {
        return outbox == null ? java.util.Optional.empty() : java.util.Optional.of(outbox.stats());
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
        if (webhook != null) {
            webhook.close();
        }
        health.close();
        if (healthStore != null) {
            healthStore.close();
        }
        adapters.forEach(InferenceAdapter::close);
        servers.values().forEach(InferenceServerClient::close);
        onnxModels.values().forEach(OnnxModel::close);
        workers.dispose();
        if (outbox != null) {
            OutboxStats stats = outbox.stats();
            log.info("outbox {}: {} waiting (oldest {} s), {} delivered, {} retried, {} evicted in all", outbox.file(),
                    stats.depth(), stats.oldestAgeMillis() / 1000, stats.delivered(), stats.retries(), stats.evicted());
            outbox.close();
        }
    }

    /** Logs one line per window: the daemon's heartbeat for a person watching it. */
    private static final class LogSummarySink implements ReportSink {
        @Override
        public String name() {
            return "log";
        }

        @Override
        public Mono<Void> write(io.edgewatch.core.aggregate.WindowReport r) {
            return Mono.fromRunnable(() -> log.info("camera {} window {}..{}: {} frames seen, {} inferred, {} dropped, {} errors; {}",
                    r.cameraId(), r.windowStart(), r.windowEnd(), r.framesSeen(), r.framesInferred(), r.framesDropped(),
                    r.inferenceErrors(), r.classStats().isEmpty() ? "nothing detected"
                            : r.classStats().stream().map(s -> s.className() + " x" + s.count() + " (max "
                                    + String.format(java.util.Locale.ROOT, "%.2f", s.maxConfidence()) + ")").toList()));
        }

        @Override
        public void close() {
        }
    }
}
