package io.edgewatch.daemon;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.UnixOperatingSystemMXBean;

import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.secret.Redactor;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.LastFrame;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.daemon.config.CameraConfig;
import io.edgewatch.daemon.config.ConfigError;
import io.edgewatch.daemon.config.ConfigException;
import io.edgewatch.daemon.config.ConfigLoader;
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
import io.edgewatch.inference.opencv.Snapshots;
import io.edgewatch.sink.JsonlSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxStats;
import io.edgewatch.sink.outbox.SendersStop;
import io.edgewatch.sink.roboflow.RoboflowSink;
import io.edgewatch.sink.roboflow.VisionEventsSink;
import io.edgewatch.sink.roboflow.VisionEventsSink.CameraEvents;
import io.edgewatch.sink.webhook.Webhook;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

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
    private final VisionEventsSink visionEvents;
    private final SampleWiring samples;
    private final BrokerWiring brokers;
    private final Duration stopGrace;
    private final HealthServer healthServer;
    private final Sinks.One<Boolean> stop = Sinks.one();
    private final Outbox outbox;
    private final Sinks.Empty<Void> finished = Sinks.empty();
    private final Mono<Void> completion = finished.asMono().cache();
    private final AtomicInteger failedCameras = new AtomicInteger();
    private final AtomicInteger cameraCount = new AtomicInteger();
    /** Each camera's custom metadata, for every sink that attaches it; a reload updates it. */
    private final Map<String, Map<String, String>> metadata = new ConcurrentHashMap<>();
    /** What each camera sends to Vision Events (cameras that send nothing there are absent); a reload updates it. */
    private final Map<String, CameraEvents> events = new ConcurrentHashMap<>();
    private final ReportSink summary = new LogSummarySink();
    /** The cameras running now, by id; guarded by itself. */
    private final Map<String, Running> running = new LinkedHashMap<>();
    /** Cameras whose run ended by itself, by id; guarded by {@link #running}. */
    private final Map<String, CameraConfig> endedByItself = new LinkedHashMap<>();
    /**
     * Cameras that could not start or whose run failed, by id: a reload starts them again (their
     * health series removed first) or, when their file is gone, removes them; guarded by {@link #running}.
     */
    private final Map<String, CameraConfig> failedRuns = new LinkedHashMap<>();
    /**
     * Cameras a reload stopped whose run outlasted its grace, by id: each keeps its id, health
     * series, metadata and events until that run ends, and only then is removed or started with
     * its new file ({@link Running#next}); guarded by {@link #running}.
     */
    private final Map<String, Running> stillStopping = new LinkedHashMap<>();
    /**
     * Reloads run here, one at a time, on one thread: whoever asks (SIGHUP, a POST, the folder
     * watch) waits for an answer, never for a thread of a shared pool or a lock.
     */
    private final ExecutorService reloads = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edgewatch-reload");
        t.setDaemon(true);
        return t;
    });
    /**
     * Adapters of ended runs are released here, in turn, off the thread that ended the run (a
     * timer, a sink's writer, shared by every camera): closing a shared ONNX session waits for the
     * runs still on it.
     */
    private final ExecutorService releases = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edgewatch-release");
        t.setDaemon(true);
        return t;
    });
    /** The reload asked for and not started yet, that every request until it starts joins; guarded by {@link #reloads}. */
    private CompletableFuture<Reload> pendingReload;
    /** What asked for the pending reload, for its log line; guarded by {@link #reloads}. */
    private final Map<String, Integer> pendingTriggers = new LinkedHashMap<>();
    /** The configuration the daemon-wide parts were started with: a reload cannot change them. */
    private final EdgewatchConfig started;
    private volatile boolean stopping;
    /** While cameras are being started (at start, in a reload): one that ends at once does not end the daemon; guarded by {@link #running}. */
    private boolean launching = true;
    private final boolean healthOn;
    private final ConfigWatcher watcher;
    /** systemd's notification socket ({@link ServiceNotifier#NONE} outside a Type=notify unit). */
    private final ServiceNotifier notifier = ServiceNotifier.fromEnvironment(System.getenv());
    /** Each running camera's last window, for the watchdog. */
    private final Watchdog.Heartbeats heartbeats = new Watchdog.Heartbeats(System::nanoTime);
    private Watchdog watchdog;
    private final Disposable clockCheck;
    /** The outbox's re-stamp at each clock step; disposed at the close, so a later daemon's steps do not reach a closed outbox. */
    private Disposable restamps = Disposables.single();

    /** A running camera: its file, its own stop (a reload's), and the end of its run. */
    private static final class Running {
        final CameraConfig config;
        final Sinks.One<Boolean> stop = Sinks.one();
        InferenceAdapter adapter;
        Mono<Void> done;
        /** Stopped by a reload (removed or changed), not ended by itself. */
        volatile boolean replaced;
        /** Ended with an error: a reload starts it again even when its file did not change. */
        volatile boolean failed;
        /** Its run ended; guarded by {@link #running}. */
        boolean ended;
        /** Still stopping after a reload's grace: the file to start once it ends, null when it was removed; guarded by {@link #running}. */
        CameraConfig next;

        Running(CameraConfig config) {
            this.config = config;
        }
    }

    private Daemon(EdgewatchConfig config) {
        registerSecrets(config);
        this.started = config;
        this.stopGrace = config.storage().outboxStopGrace();
        this.healthStore = openHealthStore(config);
        // local time: the statistics endpoint reads and writes times as Roboflow's reports carry them
        this.health = new Health(Clock.systemDefaultZone(), healthStore);
        // the aggregators check the wall clock against the monotonic one; this checks too while no camera runs
        health.clock(ClockWatch.system(), ClockFloor.build());
        this.clockCheck = ClockWatch.system().checkEvery(ClockWatch.CHECK_EVERY, Schedulers.parallel());
        health.storage("health", healthStore::storageProblem, config.alertSustain());
        health.damage("health", healthStore::damage, config.alertSustain());
        if (config.roboflow() != null && config.roboflow().workspace() != null) {
            health.workspace(config.roboflow().workspace());
        }
        OnnxNatives.use(config.inference().onnxNativePath());
        this.wiring = new CameraWiring(config.inference(), config.storage().path().resolve("tensorrt-engines"));
        this.healthOn = config.health() != null;
        if (config.health() != null && !config.health().snapshots()) {
            health.snapshotsOff();
        }
        List<CameraConfig> cameras = config.enabledCameras();
        wiring.plan(cameras);
        cameras.forEach(this::remember);
        if (config.jsonl() != null) {
            sinks.put("jsonl", JsonlSink.open(config.jsonl().path(), config.deviceId(), metadata, ClockFloor.build()));
        }
        if (config.roboflow() != null || config.alertWebhook() != null || config.visionEvents() != null
                || BrokerWiring.any(config)) {
            this.outbox = Outbox.open(config.storage().path(), new Outbox.Limits(config.storage().outboxMaxEntries(),
                    config.storage().outboxMaxBytes(), config.storage().memoryQueue(), Outbox.DEFAULT_MEMORY_QUEUE_BYTES),
                    Clock.systemUTC());
            // a board without a battery-backed clock boots years back: what it makes waits for NTP's step, re-stamped by it
            outbox.holdWhileClockWrong(ClockFloor.build(), config.storage().wrongClockHold());
            this.restamps = ClockWatch.system().onStep(step -> Schedulers.boundedElastic().schedule(() -> restamp(step.size())));
            health.outbox(outbox::stats);
            health.storage("outbox", outbox::storageProblem, config.alertSustain());
            health.damage("outbox", outbox::damage, config.alertSustain());
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
        if (config.visionEvents() != null) {
            VisionEventsSink ve = new VisionEventsSink(outbox, config.visionEvents().options(), events::get);
            sinks.put("vision_events", ve);
            this.visionEvents = ve;
            health.delivery(VisionEventsSink.DESTINATION, ve::stopped, ve::stopReason, config.alertSustain(),
                    "check vision_events.api_key (a key with the vision-events:write scope), vision_events.api_url and the use case");
            boolean daemonAlerts = config.visionEvents().defaults().alerts();
            health.onAlert(e -> {
                if (Health.DAEMON.equals(e.cameraId()) ? daemonAlerts : events.containsKey(e.cameraId())) {
                    ve.alert(Health.DAEMON.equals(e.cameraId()) ? null : e.cameraId(), e.signal(), e.firing(), e.at(), e.baseline(),
                            e.current(), e.message());
                }
            });
        } else {
            this.visionEvents = null;
        }
        this.samples = new SampleWiring(config, outbox, health, metadata, visionEvents == null ? null : visionEvents.samples());
        this.brokers = new BrokerWiring(config, outbox, health, metadata, sinks);
        cameras.forEach(brokers::remember);
        brokers.applied();
        if (config.alertWebhook() != null) {
            this.webhook = new Webhook(outbox, config.alertWebhook());
            health.onAlert(new AlertWebhook(webhook, config.deviceId()));
        } else {
            this.webhook = null;
        }
        int runs = 0;
        for (CameraConfig camera : cameras) {
            runs += launch(camera) ? 1 : 0;
        }
        this.healthServer = healthServer(config.health());
        health.onReload(() -> reload("POST /api/reload").json());
        if (cameras.isEmpty()) {
            log.warn("no enabled camera in {}: nothing to watch until one is enabled", config.directory());
        }
        this.watcher = ConfigWatcher.start(config.directory(), config.camerasDir(), () -> requestReload("a change in the configuration folder"));
        log.info("edgewatch running: {} camera(s), {} inference worker(s), sinks: {}; {}", runs, config.inference().workers(),
                sinks.isEmpty() ? "none" : String.join(", ", sinks.keySet()), fileDescriptors());
        completion.subscribe();
        // the cameras are launched and the endpoint listens: systemd may go on with what comes after edgewatch
        notifier.ready(runs + " camera(s) running");
        this.watchdog = Watchdog.start(notifier, this::stuck);
        synchronized (running) {
            launching = false;
            // none started: the daemon waits for a stop (or a reload that adds a camera); every one that
            // started already ended (short files, cameras that failed at once): it is done
            endIfIdle(runs > 0);
        }
    }

    /**
     * Every configured secret, masked wherever it appears from now on (logs, states, alerts,
     * stores): keys and tokens are {@link io.edgewatch.core.secret.Secret}s, registered as they
     * are read; the passwords in camera URLs are registered here.
     */
    private static void registerSecrets(EdgewatchConfig config) {
        for (CameraConfig c : config.cameras()) {
            String url = c.source() instanceof SourceConfig.Rtsp r ? r.url() : c.source() instanceof SourceConfig.Http h ? h.url() : null;
            // the password up to the last '@' before the path, as FFmpeg reads it, and secret query values
            Redactor.registerUrlSecrets(url);
        }
    }

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

    /** The wall clock stepped: the outbox re-stamps what it holds (off the checking thread: JDBC). */
    private void restamp(Duration by) {
        try {
            outbox.clockStepped(by);
        } catch (RuntimeException e) {
            log.warn("{}", e.getMessage());
        }
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
            log.info("health endpoint on {}: the status page at /, /healthz, /metrics, /api/cameras, /api/alerts, /api/reload, /{workspace}/inference-stats{}", server.url(),
                    h.token().isEmpty() ? "" : " (bearer token required)");
            return server;
        } catch (IllegalStateException e) {
            log.error("{}; the cameras run without it", e.getMessage());
            return null;
        }
    }

    /** Starts a camera; false (logged, with its file) when it could not be started. */
    private boolean launch(CameraConfig camera) {
        cameraCount.incrementAndGet();
        try {
            Running r = wire(camera);
            synchronized (running) {
                if (stopping) {
                    // a reload that raced the stop: the camera would run only to write an empty window
                    release(r.adapter);
                    return false;
                }
                running.put(camera.id(), r);
            }
            runs.add(r);
            r.done.subscribe();
            return true;
        } catch (RuntimeException e) {
            failedCameras.incrementAndGet();
            synchronized (running) {
                failedRuns.put(camera.id(), camera);
            }
            log.error("camera {} ({}): not started: {}", camera.id(), camera.file(), e.getMessage());
            return false;
        }
    }

    private void remember(CameraConfig c) {
        metadata.put(c.id(), c.metadata());
        if (c.visionEvents() != null) {
            events.put(c.id(), c.visionEvents());
        } else {
            events.remove(c.id());
        }
    }

    private Running wire(CameraConfig camera) {
        Running r = new Running(camera);
        FrameSource source = wiring.source(camera);
        CameraListener watch = health.camera(camera.id(), camera.inference().modelId(), camera.frequency(),
                SourceProbe.of(source.live(), source::status, source::decoder, source::decoderFallbacks), camera.alerts());
        List<ReportSink> cameraSinks = new ArrayList<>();
        for (String name : camera.sinks()) {
            cameraSinks.add(sinks.get(name));
        }
        cameraSinks.add(summary);
        cameraSinks.add(ReportSink.of("health", watch::window));
        cameraSinks.add(heartbeats.sink());
        CameraWiring.Camera wired;
        // kept for the status page's snapshot only when someone can look (the endpoint is on, snapshots not off)
        LastFrame last = healthOn && health.snapshotsOn() ? LastFrame.keeping() : LastFrame.off();
        try {
            wired = wiring.wire(camera, source, cameraSinks, last, samples.tap(camera));
        } catch (RuntimeException e) {
            watch.stopped(e.getMessage());
            throw e;
        }
        r.adapter = wired.adapter();
        watch.executionProvider(wired.adapter().executionProvider());
        watch.reportsDropped(wired.pipeline()::droppedReports);
        if (last.isOn()) {
            health.snapshots(camera.id(), () -> Snapshots.jpeg(last));
        }
        log.info("camera {}: {} -> {} ({}, {} in flight), a window every {} s -> {}", camera.id(), source.describe(),
                camera.inference().type(), wired.adapter().modelId(), wiring.maxInFlight(camera),
                camera.frequency().toSeconds(), cameraSinks.stream().map(ReportSink::name).toList());
        if (camera.tracking() != null) {
            // read and checked, so the file is ready for when it runs; saying nothing would look like a tracker that sees nothing
            log.warn("camera {}: tracking, zones and lines in {} are checked but not run by this version yet", camera.id(),
                    camera.file());
        }
        heartbeats.started(camera.id(), camera.frequency());
        r.done = wired.pipeline().run(Mono.firstWithSignal(stop.asMono(), r.stop.asMono()))
                .doOnSuccess(v -> log.info("camera {}: stopped", camera.id()))
                .onErrorResume(e -> {
                    failedCameras.incrementAndGet();
                    r.failed = true;
                    log.error("camera {} ({}): stopped after an error: {}", camera.id(), camera.file(), e.getMessage());
                    watch.stopped(e.getMessage());
                    return Mono.empty();
                })
                .doFinally(signal -> ended(r))
                .cache();
        return r;
    }

    /**
     * A camera's run ended (its last window written): it leaves the running set and its adapter is
     * released, whatever ended it (a reload, an error, the end of its file): a reload that starts it
     * again makes a new one. The release runs on the {@code edgewatch-release} thread (closing a
     * shared session waits for the runs on it), so this never stalls the thread that ended the run.
     */
    private void ended(Running r) {
        boolean lingered;
        synchronized (running) {
            runs.remove(r);
            r.ended = true;
            lingered = stillStopping.remove(r.config.id(), r);
            if (running.get(r.config.id()) == r) {
                running.remove(r.config.id());
                heartbeats.ended(r.config.id());
                if (!r.replaced) {
                    (r.failed ? failedRuns : endedByItself).put(r.config.id(), r.config);
                }
            }
            endIfIdle(!r.replaced);
        }
        release(r.adapter);
        if (lingered) {
            try {
                // on the reload thread, in turn with the reloads: one of them may have changed what comes next
                reloads.execute(() -> afterStop(r));
            } catch (RejectedExecutionException e) {
                // the daemon is closing: nothing starts, nothing is left to remove
            }
        }
    }

    /** Releases {@code adapter} on the release thread (at once, here, once the daemon closes). */
    private void release(InferenceAdapter adapter) {
        try {
            releases.execute(() -> wiring.release(adapter));
        } catch (RejectedExecutionException e) {
            wiring.release(adapter);
        }
    }

    /**
     * A camera that outlasted a reload's grace has ended (its last window written with its
     * metadata): now it leaves (health series, metadata and events removed) or, when a file for it
     * is wanted, that file starts. Runs on the reload thread.
     */
    private void afterStop(Running r) {
        String id = r.config.id();
        CameraConfig next;
        synchronized (running) {
            next = r.next;
        }
        if (next == null) {
            health.remove(id, true);
            metadata.remove(id);
            events.remove(id);
            log.info("camera {}: its last run, stopped by a reload, ended; removed", id);
            return;
        }
        health.remove(id, false);
        if (stopping) {
            return;
        }
        synchronized (running) {
            launching = true;
        }
        try {
            remember(next);
            log.info("camera {}: its last run, stopped by a reload, ended; starting its new file", id);
            launch(next);
        } finally {
            synchronized (running) {
                launching = false;
            }
        }
    }

    /**
     * Completes the daemon when nothing runs and nothing will: after a stop, or when every camera
     * ended by itself (files that were read to their end); not when a reload removed the last one.
     */
    private void endIfIdle(boolean endedByItself) {
        if (running.isEmpty() && (stopping || endedByItself && !launching)) {
            finished.tryEmitEmpty();
        }
    }

    /**
     * Reads the configuration folder again and applies what changed: a new camera file starts its
     * camera, a removed (or disabled) one stops it (its open window written and committed first), a
     * changed one restarts that camera only; the others go on untouched. An invalid configuration is
     * refused, with every error, and the running one stays. Changes to {@code edgewatch.yaml} that
     * cannot be applied live are named as needing a restart. Logged once, with what it changed.
     *
     * It runs on the reload thread, merged with the requests that come before it starts
     * ({@link #requestReload}); this waits for its answer.
     *
     * @param trigger what asked for it (SIGHUP, the endpoint, the folder watch), for the log
     */
    public Reload reload(String trigger) {
        return requestReload(trigger).join();
    }

    /**
     * Asks for a reload without waiting: it runs on the reload thread, after the one running now.
     * Requests made before it starts are merged into it (one run, one answer for all of them), so
     * a storm of requests runs at most twice. Refused once the stop began; a pending one is then
     * answered as refused.
     */
    public CompletableFuture<Reload> requestReload(String trigger) {
        reloadRequests.incrementAndGet();
        synchronized (reloads) {
            if (stopping) {
                return CompletableFuture.completedFuture(Reload.refused(List.of(STOPPING)));
            }
            pendingTriggers.merge(trigger, 1, Integer::sum);
            if (pendingReload != null) {
                return pendingReload;
            }
            CompletableFuture<Reload> next = new CompletableFuture<>();
            pendingReload = next;
            try {
                reloads.execute(() -> runPending(next));
            } catch (RejectedExecutionException e) {
                pendingReload = null;
                pendingTriggers.clear();
                next.complete(Reload.refused(List.of(STOPPING)));
            }
            return next;
        }
    }

    private static final String STOPPING = "the daemon is stopping";

    private void runPending(CompletableFuture<Reload> next) {
        String triggers;
        synchronized (reloads) {
            if (pendingReload != next) {
                return; // answered by the stop
            }
            pendingReload = null;
            List<String> parts = new ArrayList<>();
            pendingTriggers.forEach((t, n) -> parts.add(n == 1 ? t : t + " x" + n));
            pendingTriggers.clear();
            triggers = String.join(", ", parts);
        }
        try {
            next.complete(runReload(triggers));
        } catch (RuntimeException | Error e) {
            log.error("reload ({}) failed: {}", triggers, e.toString());
            next.completeExceptionally(e);
        }
    }

    private Reload runReload(String trigger) {
        if (stopping) {
            return Reload.refused(List.of(STOPPING));
        }
        reloadStarted.run();
        EdgewatchConfig next;
        try {
            next = ConfigLoader.load(started.directory());
        } catch (ConfigException e) {
            List<String> errors = e.errors().stream().map(ConfigError::toString).toList();
            log.error("reload ({}) refused: {} error(s) in {}; the running configuration stays:\n  {}", trigger, errors.size(),
                    started.directory(), String.join("\n  ", errors));
            return Reload.refused(errors);
        }
        registerSecrets(next);
        // the cameras running, and those that ended by themselves (a file read to its end: not read again unless changed)
        Map<String, CameraConfig> now = new LinkedHashMap<>();
        Map<String, CameraConfig> failedBefore = new LinkedHashMap<>();
        Map<String, CameraConfig> wanted = new LinkedHashMap<>();
        next.enabledCameras().forEach(c -> wanted.put(c.id(), c));
        // cameras still stopping since an earlier reload: what starts once they end follows this one
        List<String> lingering = new ArrayList<>();
        synchronized (running) {
            now.putAll(endedByItself);
            running.forEach((id, r) -> now.put(id, r.config));
            failedRuns.forEach((id, c) -> {
                if (!now.containsKey(id)) {
                    failedBefore.put(id, c);
                }
            });
            stillStopping.forEach((id, r) -> {
                r.next = wanted.get(id);
                lingering.add(id);
            });
        }
        Map<String, CameraConfig> diffed = new LinkedHashMap<>(wanted);
        lingering.forEach(id -> {
            now.remove(id);
            failedBefore.remove(id);
            diffed.remove(id);
        });
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        // cameras that failed start again (a file unchanged may be a camera back online); their
        // health series, still registered, go first, as a changed camera's do
        List<String> retried = new ArrayList<>();
        diffed.keySet().stream().filter(id -> !now.containsKey(id))
                .forEach(id -> (failedBefore.containsKey(id) ? retried : added).add(id));
        Map<String, InferenceAdapter> adapters = new LinkedHashMap<>();
        synchronized (running) {
            running.forEach((id, r) -> adapters.put(id, r.adapter));
        }
        now.forEach((id, c) -> {
            if (!diffed.containsKey(id)) {
                removed.add(id);
            } else if (!diffed.get(id).equals(c)) {
                changed.add(id);
            } else if (adapters.containsKey(id) && wiring.modelChanged(adapters.get(id))) {
                // the same file, but the model it names was replaced: restarted on a session of the new one
                log.info("camera {}: its model file changed", id);
                changed.add(id);
            }
        });
        int unchanged = now.size() - removed.size() - changed.size();
        // a failed camera whose file is gone leaves for good, like a running one
        failedBefore.keySet().stream().filter(id -> !diffed.containsKey(id)).forEach(removed::add);
        List<Running> stopped = new ArrayList<>();
        synchronized (running) {
            for (String id : concat(removed, changed)) {
                Running r = running.get(id);
                if (r != null) {
                    r.replaced = true;
                    stopped.add(r);
                }
                endedByItself.remove(id);
            }
            for (String id : concat(removed, retried)) {
                failedRuns.remove(id);
            }
        }
        // all at once, then wait: each closes and writes its open window
        stopped.forEach(r -> r.stop.tryEmitValue(Boolean.TRUE));
        List<String> slow = new ArrayList<>();
        for (Running r : stopped) {
            try {
                r.done.block(reloadStopGrace);
            } catch (RuntimeException e) {
                synchronized (running) {
                    if (!r.ended) {
                        // it keeps its id, series and metadata until its last window is written; its new file waits for that
                        r.next = wanted.get(r.config.id());
                        stillStopping.put(r.config.id(), r);
                        slow.add(r.config.id());
                    }
                }
                if (slow.contains(r.config.id())) {
                    log.warn("camera {}: not stopped within {} s of the reload; {} once its last window is written",
                            r.config.id(), reloadStopGrace.toSeconds(), wanted.containsKey(r.config.id())
                                    ? "its new file starts" : "it is removed");
                }
            }
        }
        removed.removeAll(slow);
        changed.removeAll(slow);
        lingering.addAll(slow);
        for (String id : removed) {
            health.remove(id, true);
            metadata.remove(id);
            events.remove(id);
            brokers.forget(id);
        }
        for (String id : concat(changed, retried)) {
            health.remove(id, false);
        }
        if (stopping) {
            // the stop began while the old cameras stopped: nothing starts into a closing daemon
            log.info("reload ({}) ended by the stop: no camera started", trigger);
            return Reload.refused(List.of(STOPPING));
        }
        List<String> failed = new ArrayList<>();
        wiring.plan(wanted.values());
        synchronized (running) {
            launching = true;
        }
        try {
            for (String id : concat(concat(changed, retried), added)) {
                if (stopping) {
                    // the stop began while this reload ran: nothing new starts into a closing daemon
                    break;
                }
                CameraConfig c = wanted.get(id);
                remember(c);
                brokers.remember(c);
                if (!launch(c)) {
                    failed.add(id);
                }
            }
        } finally {
            synchronized (running) {
                launching = false;
            }
        }
        brokers.applied();
        List<String> restart = needsRestart(started, next);
        Reload result = new Reload(true, concat(retried, added), removed, changed, unchanged, restart, failed, lingering,
                List.of());
        log.info("reload ({}): {}", trigger, result.describe());
        return result;
    }

    private static final Duration RELOAD_STOP_GRACE = Duration.ofSeconds(30);

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The daemon-wide settings that differ between {@code was} and {@code now}: a reload does not apply them. */
    static List<String> needsRestart(EdgewatchConfig was, EdgewatchConfig now) {
        List<String> out = new ArrayList<>();
        check(out, "device_id", was.deviceId(), now.deviceId());
        check(out, "storage", was.storage(), now.storage());
        check(out, "inference", was.inference(), now.inference());
        check(out, "sinks.jsonl", was.jsonl(), now.jsonl());
        check(out, "roboflow", was.roboflow(), now.roboflow());
        check(out, "vision_events", was.visionEvents(), now.visionEvents());
        for (String broker : List.of("mqtt", "kafka")) {
            check(out, broker, was.brokers().get(broker), now.brokers().get(broker));
        }
        check(out, "health", was.health(), now.health());
        check(out, "alerts.webhook", was.alertWebhook(), now.alertWebhook());
        check(out, "alerts.sustain", was.alertSustain(), now.alertSustain());
        check(out, "logging", was.logFormat(), now.logFormat());
        check(out, "cameras_dir", was.camerasDir(), now.camerasDir());
        return out;
    }

    private static void check(List<String> out, String key, Object was, Object now) {
        if (!Objects.equals(was, now)) {
            out.add(key);
        }
    }

    /**
     * What a reload did.
     *
     * @param applied false when the configuration was refused (then only {@code errors} is set)
     * @param unchanged how many running cameras went on untouched
     * @param needsRestart {@code edgewatch.yaml} settings that changed but apply only at the next start
     * @param failed cameras (started or restarted) that could not start
     * @param stillStopping cameras whose stop outlasted the reload's grace: each keeps its id, series and metadata
     *                      until its run ends, then leaves or starts its new file
     */
    public record Reload(boolean applied, List<String> started, List<String> stopped, List<String> restarted, int unchanged,
                         List<String> needsRestart, List<String> failed, List<String> stillStopping, List<String> errors) {

        static Reload refused(List<String> errors) {
            return new Reload(false, List.of(), List.of(), List.of(), 0, List.of(), List.of(), List.of(), errors);
        }

        /** One line for the log. */
        public String describe() {
            if (!applied) {
                return "refused: " + String.join("; ", errors);
            }
            List<String> parts = new ArrayList<>();
            if (!started.isEmpty()) {
                parts.add("started " + String.join(", ", started));
            }
            if (!stopped.isEmpty()) {
                parts.add("stopped " + String.join(", ", stopped));
            }
            if (!restarted.isEmpty()) {
                parts.add("restarted " + String.join(", ", restarted) + " (file changed)");
            }
            if (!failed.isEmpty()) {
                parts.add("could not start " + String.join(", ", failed) + " (see above)");
            }
            if (!stillStopping.isEmpty()) {
                parts.add("still stopping " + String.join(", ", stillStopping) + " (each leaves, or starts its new file, once its"
                        + " last window is written)");
            }
            parts.add(unchanged + " camera(s) unchanged");
            if (!needsRestart.isEmpty()) {
                parts.add("edgewatch.yaml: " + String.join(", ", needsRestart) + " changed and take(s) a restart to apply"
                        + " (the running values stay)");
            }
            return (started.isEmpty() && stopped.isEmpty() && restarted.isEmpty() && needsRestart.isEmpty() && stillStopping.isEmpty()
                    ? "nothing changed; " : "")
                    + String.join("; ", parts);
        }

        /** The answer of {@code POST /api/reload}. */
        public ObjectNode json() {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("applied", applied);
            if (applied) {
                n.set("started", strings(started));
                n.set("stopped", strings(stopped));
                n.set("restarted", strings(restarted));
                n.put("unchanged", unchanged);
                n.set("needs_restart", strings(needsRestart));
                n.set("failed", strings(failed));
                n.set("still_stopping", strings(stillStopping));
            } else {
                n.set("errors", strings(errors));
            }
            n.put("message", describe());
            return n;
        }

        private static ArrayNode strings(List<String> values) {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            values.forEach(a::add);
            return a;
        }
    }

    /** The health endpoint's URL, when it is serving. */
    public Optional<String> healthUrl() {
        return Optional.ofNullable(healthServer).map(HealthServer::url);
    }

    /** Completes when every camera has stopped and its last report is written. */
    public Mono<Void> completion() {
        return completion;
    }

    /** How long a reload waits for the cameras it stops; tests shorten it. */
    volatile Duration reloadStopGrace = RELOAD_STOP_GRACE;
    /** Every camera run launched and not yet ended (a stop that outlasts a reload's grace included). */
    private final java.util.Set<Running> runs = ConcurrentHashMap.newKeySet();

    /** Camera runs under {@code id} launched and not yet ended: never more than one. */
    int pipelines(String id) {
        return (int) runs.stream().filter(r -> r.config.id().equals(id)).count();
    }

    /** Runs as each reload starts, on its thread: tests hold a reload there. */
    volatile Runnable reloadStarted = () -> { };
    private final AtomicInteger reloadRequests = new AtomicInteger();

    /** Reloads asked for, since the start. */
    int reloadRequests() {
        return reloadRequests.get();
    }

    /** Adapters made and not yet released: one per camera running (for tests of what reloads leave behind). */
    int adaptersOpen() {
        return wiring.adaptersOpen();
    }

    /** ONNX Runtime sessions open now, and loaded since the start. */
    int onnxSessionsOpen() {
        return wiring.onnxSessionsOpen();
    }

    int onnxSessionsLoaded() {
        return wiring.onnxSessionsLoaded();
    }

    /** The frames in inference at once the running camera {@code id} is held to now; 0 when it does not run. */
    int framesInFlight(String id) {
        InferenceAdapter adapter;
        synchronized (running) {
            Running r = running.get(id);
            adapter = r == null ? null : r.adapter;
        }
        return adapter == null ? 0 : wiring.framesInFlight(adapter);
    }

    /** Camera runs that failed or could not start, since the start. */
    int failedRuns() {
        return failedCameras.get();
    }

    /** True when every enabled camera failed (and there was at least one). */
    public boolean allCamerasFailed() {
        return cameraCount.get() > 0 && failedCameras.get() >= cameraCount.get();
    }

    /** The outbox's depth, oldest age and counters, for health reporting; empty when Roboflow is off. */
    public Optional<OutboxStats> outboxStats() {
        return outbox == null ? Optional.empty() : Optional.of(outbox.stats());
    }

    /**
     * Why the daemon makes no progress, for the watchdog: a camera that closed no window for two of
     * its windows and the slack, or an outbox that does not answer a read (this call then blocks, and
     * the watchdog counts that as a missed ping). Empty when all is moving.
     */
    Optional<String> stuck() {
        Optional<String> camera = heartbeats.stuck();
        if (camera.isPresent()) {
            return camera;
        }
        if (outbox != null) {
            outbox.stats();
        }
        return Optional.empty();
    }

    /** Ends every source; the open windows are closed and reported. */
    public void stop() {
        synchronized (reloads) {
            if (!stopping) {
                notifier.stopping();
            }
            stopping = true;
            if (pendingReload != null) {
                pendingReload.complete(Reload.refused(List.of(STOPPING)));
                pendingReload = null;
                pendingTriggers.clear();
            }
        }
        stop.tryEmitValue(Boolean.TRUE);
        synchronized (running) {
            endIfIdle(false);
        }
    }

    /**
     * Stops and waits up to {@code grace} for the last reports; false (logged with the cameras still
     * stopping) when the grace ran out: the caller closes anyway.
     */
    public boolean stopAndWait(Duration grace) {
        stop();
        try {
            completion.block(grace);
            return true;
        } catch (RuntimeException e) {
            List<String> left;
            synchronized (running) {
                left = List.copyOf(running.keySet());
            }
            log.warn("not every camera finished within {} s (still stopping: {}); closing anyway", grace.toSeconds(),
                    String.join(", ", left));
            return false;
        }
    }

    @Override
    public void close() {
        stop();
        if (watcher != null) {
            watcher.close();
        }
        // a reload still running (its cameras stopping, its new ones refused) ends before the parts it uses close
        reloads.shutdown();
        try {
            if (!reloads.awaitTermination(RELOAD_STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("a reload still running after {} s; closing anyway", RELOAD_STOP_GRACE.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // the alerts of the last windows reach the webhook and Vision Events before they close
        health.flushAlerts(stopGrace);
        // deliveries in flight first, so what was answered 2xx is deleted, not sent again: every sender at once, under
        // one grace (one after another, the stop took the sum of their graces)
        List<SendersStop.Stop> senders = new ArrayList<>();
        if (roboflow != null) {
            senders.add(roboflow::close);
        }
        if (webhook != null) {
            senders.add(webhook::close);
        }
        senders.add(samples::close);
        if (visionEvents != null) {
            senders.add(visionEvents::close);
        }
        senders.add(brokers::close);
        SendersStop.together(stopGrace, senders);
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
        releases.shutdown();
        try {
            if (!releases.awaitTermination(RELOAD_STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("adapters still being released after {} s; closing anyway", RELOAD_STOP_GRACE.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        wiring.close();
        // no step re-stamps a closed outbox
        restamps.dispose();
        if (outbox != null) {
            OutboxStats stats = outbox.stats();
            log.info("outbox {}: {} waiting (oldest {} s), {} delivered, {} retried, {} evicted in all", outbox.file(),
                    stats.depth(), stats.oldestAgeMillis() / 1000, stats.delivered(), stats.retries(), stats.evicted());
            outbox.close();
        }
        if (watchdog != null) {
            watchdog.close();
        }
        clockCheck.dispose();
        notifier.close();
    }
}
