package io.edgewatch.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.bytedeco.javacpp.Pointer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.health.alert.AlertEngine;
import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.health.alert.Hysteresis;
import io.edgewatch.sink.json.ReportJson;
import io.edgewatch.sink.outbox.OutboxStats;
import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import reactor.core.publisher.Mono;

/**
 * The daemon's health: a sink every camera reports its windows to, which keeps each camera's
 * state and turns the windows into Micrometer meters with the camera as a tag. All of it is
 * updated once per window, so it costs the frames nothing. Served by {@link HealthServer}.
 */
public final class Health implements ReportSink {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, CameraHealth> cameras = new ConcurrentHashMap<>();
    /** Gauges' current values by meter name and tags, set once per window. */
    private final Map<String, double[]> values = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Instant started;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private volatile Supplier<OutboxStats> outbox;
    private final HealthStore store;
    private volatile java.util.function.Consumer<AlertEvent> listener;
    private static final int HISTORY = 500;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Health.class);
    private final java.util.Deque<AlertEvent> history = new java.util.ArrayDeque<>();

    public Health(Clock clock) {
        this(clock, null);
    }

    /** With a store, baselines and the alert history survive a restart. */
    public Health(Clock clock, HealthStore store) {
        this.clock = clock;
        this.store = store;
        if (store != null) {
            history.addAll(store.recentAlerts(HISTORY));
        }
        this.started = clock.instant();
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("edgewatch.native.memory", Pointer::physicalBytes).baseUnit("bytes")
                .description("memory held by the process as JavaCPP counts it (native frames, FFmpeg, OpenCV)")
                .register(registry);
    }

    /** Serves the outbox's depth and oldest age (when there is an outbox: Roboflow reporting is on). */
    public void outbox(Supplier<OutboxStats> stats) {
        this.outbox = stats; // meters hold their object weakly: keep it here
        Gauge.builder("edgewatch.outbox.depth", stats, o -> o.get().depth())
                .description("Roboflow requests waiting in the outbox").register(registry);
        Gauge.builder("edgewatch.outbox.oldest.age", stats, o -> o.get().oldestAgeMillis() / 1000.0)
                .baseUnit("seconds").description("age of the oldest request waiting in the outbox").register(registry);
        FunctionCounter.builder("edgewatch.outbox.delivered", stats, o -> o.get().delivered())
                .description("Roboflow requests delivered").register(registry);
        FunctionCounter.builder("edgewatch.outbox.evicted", stats, o -> o.get().evicted())
                .description("Roboflow requests evicted because the outbox was full").register(registry);
    }

    /** The camera id the daemon's own alerts (not any one camera's) are filed under. */
    public static final String DAEMON = "daemon";

    private record Destination(String name, java.util.function.BooleanSupplier stopped, Duration clearAfter, String hint,
                               Hysteresis state) {
        String signal() {
            return "delivery_stopped:" + name;
        }
    }

    private final List<Destination> destinations = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The daemon's firing alerts by signal. */
    private final Map<String, AlertEvent> daemonActive = new ConcurrentHashMap<>();

    /**
     * Watches a delivery destination: while it is stopped (the far end refused the key, credits or
     * workspace and a person must act) the alert {@code delivery_stopped:NAME} fires, at once; it
     * clears once the destination has delivered again for {@code clearAfter}. Checked with every
     * window. An alert that was firing at the last stop is firing again at the start.
     */
    public void delivery(String name, java.util.function.BooleanSupplier stopped, Duration clearAfter, String hint) {
        Destination d = new Destination(name, stopped, clearAfter, hint, new Hysteresis());
        if (store != null) {
            for (AlertEvent e : store.firingAlerts(DAEMON)) {
                if (e.signal().equals(d.signal())) {
                    d.state().restore(e.at());
                    daemonActive.put(e.signal(), e);
                }
            }
        }
        destinations.add(d);
    }

    private synchronized void checkDelivery(Instant now) {
        for (Destination d : destinations) {
            String signal = d.signal();
            long waiting = outbox == null ? 0 : outbox.get().depth();
            switch (d.state().step(d.stopped().getAsBoolean(), now, Duration.ZERO, d.clearAfter())) {
                case FIRED -> {
                    AlertEvent e = new AlertEvent(DAEMON, signal, true, now, 0, waiting, "delivery to " + d.name()
                            + " stopped: it refused this daemon's credentials or account (" + d.hint() + "); " + waiting
                            + " requests are kept in the outbox and go out once it is fixed");
                    daemonActive.put(signal, e);
                    alerted(e);
                }
                case CLEARED -> {
                    daemonActive.remove(signal);
                    alerted(new AlertEvent(DAEMON, signal, false, now, 0, waiting, "cleared: delivery to " + d.name()
                            + " works again (" + waiting + " requests waiting)"));
                }
                case NONE -> { }
            }
        }
    }

    /** Registers a camera before it starts, so it is listed (and its source state served) from the start. */
    public void camera(String id, String modelId, Duration frequency, FrameSource source, AlertOptions alerts) {
        CameraHealth c = new CameraHealth(id, modelId, frequency, source, alerts, store);
        cameras.put(id, c);
        for (AlertEvent e : c.restore(clock.instant())) {
            alerted(e);
        }
        if (!c.activeAlerts().isEmpty()) {
            log.info("camera {}: still firing from before the restart: {}", id,
                    c.activeAlerts().stream().map(AlertEvent::signal).toList());
        }
        for (SourceStatus.State state : SourceStatus.State.values()) {
            Gauge.builder("edgewatch.source.state", c, h -> h.source().state() == state ? 1 : 0)
                    .tags("camera", id, "state", state.name().toLowerCase(java.util.Locale.ROOT))
                    .description("1 for the source's current state").register(registry);
        }
        for (SourceStatus.State state : SourceStatus.State.values()) {
            FunctionCounter.builder("edgewatch.source.time", c, h -> h.source().timeIn(state, clock.instant()).toMillis() / 1000.0)
                    .tags("camera", id, "state", state.name().toLowerCase(java.util.Locale.ROOT)).baseUnit("seconds")
                    .description("time the source spent in each state").register(registry);
        }
        FunctionCounter.builder("edgewatch.source.reconnects", c, h -> h.source().reconnects()).tags("camera", id)
                .description("reconnect attempts of the source").register(registry);
        Gauge.builder("edgewatch.alerts.active", c, h -> h.activeAlerts().size()).tags("camera", id)
                .description("alerts firing now").register(registry);
    }

    /**
     * {@code POST /api/cameras/{id}/baseline/relearn}: the camera forgets its baseline and learns a
     * new one from its next windows (after a camera was moved or the scene changed for good).
     *
     * @return what to answer: null when there is no such camera
     */
    public ObjectNode relearn(String id) {
        CameraHealth c = cameras.get(id);
        if (c == null) {
            return null;
        }
        ObjectNode out = JSON.createObjectNode().put("camera_id", id);
        if (!c.alertsOn()) {
            return out.put("learning", false).put("message", "alerts are off for camera " + id + ": there is no baseline");
        }
        List<AlertEvent> clears = c.relearn(clock.instant());
        log.info("camera {}: baseline dropped on request; learning a new one", id);
        for (AlertEvent e : clears) {
            alerted(e);
        }
        ArrayNode cleared = out.put("learning", true).putArray("cleared");
        clears.forEach(e -> cleared.add(e.signal()));
        return out;
    }

    /** Marks a registered camera as stopped for good, with why. */
    public void failed(String id, String why) {
        CameraHealth c = cameras.get(id);
        if (c != null) {
            c.failed(why);
        }
    }

    @Override
    public String name() {
        return "health";
    }

    @Override
    public Mono<Void> write(WindowReport r) {
        return Mono.fromRunnable(() -> record(r));
    }

    void record(WindowReport r) {
        if (!destinations.isEmpty()) {
            checkDelivery(clock.instant());
        }
        if (store != null) {
            store.saveWindow(r, RoboflowOptions.VERSION);
        }
        CameraHealth c = cameras.get(r.cameraId());
        if (c != null) {
            for (AlertEvent e : c.record(r, clock.instant())) {
                alerted(e);
            }
        }
        String cam = r.cameraId();
        String model = r.modelId();
        counter("edgewatch.frames", "frames by outcome", cam, model, "outcome", "seen").increment(r.framesSeen());
        counter("edgewatch.frames", "frames by outcome", cam, model, "outcome", "inferred").increment(r.framesInferred());
        r.droppedByReason().forEach((reason, n) ->
                counter("edgewatch.frames.dropped", "frames not inferred, by reason", cam, model, "reason", reason).increment(n));
        r.errorsByKind().forEach((kind, n) ->
                counter("edgewatch.inference.errors", "failed inferences, by kind", cam, model, "kind", kind).increment(n));
        for (ClassStats s : r.classStats()) {
            counter("edgewatch.detections", "predictions, by class", cam, model, "class", s.className()).increment(s.count());
            gauge("edgewatch.confidence.mean", "mean confidence of the class over the last window", cam, model, "class",
                    s.className()).set(s.meanConfidence());
            gauge("edgewatch.confidence.max", "highest confidence of the class over the last window", cam, model, "class",
                    s.className()).set(s.maxConfidence());
            gauge("edgewatch.confidence.median", "median confidence of the class over the last window", cam, model, "class",
                    s.className()).set(s.medianConfidence());
            confidence(cam, model, s);
        }
        r.latencies().forEach((stage, l) -> {
            for (String q : new String[] {"0.5", "0.95", "0.99"}) {
                double ms = q.equals("0.5") ? l.p50Millis() : q.equals("0.95") ? l.p95Millis() : l.p99Millis();
                gauge("edgewatch.latency", "latency percentiles over the last window", cam, model, "stage", stage, "quantile", q)
                        .set(ms / 1000.0);
            }
        });
        double seconds = r.seconds();
        gauge("edgewatch.fps", "frames a second over the last window", cam, model, "outcome", "seen").set(r.framesSeen() / seconds);
        gauge("edgewatch.fps", "frames a second over the last window", cam, model, "outcome", "inferred").set(r.framesInferred() / seconds);
    }

    private static final double[] CONFIDENCE_BUCKETS = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};

    /**
     * The class's confidences into a Prometheus histogram in percent (buckets of 10: Micrometer
     * rounds what a summary records to whole numbers before bucketing, so fractions of one would
     * all land in the last bucket). Each of the window's 0.01 bins is recorded at its middle, so
     * bucket counts are exact and the sum is within half a percent a prediction.
     */
    private void confidence(String cam, String model, ClassStats s) {
        io.micrometer.core.instrument.DistributionSummary d = io.micrometer.core.instrument.DistributionSummary
                .builder("edgewatch.prediction.confidence").baseUnit("percent")
                .description("confidence of every prediction in percent, by class").scale(100)
                .tags("camera", cam, "model", model, "class", s.className()).serviceLevelObjectives(CONFIDENCE_BUCKETS)
                .register(registry);
        for (int i = 0; i < io.edgewatch.core.aggregate.ConfidenceHistogram.BINS; i++) {
            long n = s.confidence().count(i);
            double middle = (i + 0.5) / io.edgewatch.core.aggregate.ConfidenceHistogram.BINS;
            for (long k = 0; k < n; k++) {
                d.record(middle);
            }
        }
    }

    /** Also hands every alert start and clear to {@code listener} (a webhook), on the reporting thread. */
    public void onAlert(java.util.function.Consumer<AlertEvent> listener) {
        this.listener = listener;
    }

    private void alerted(AlertEvent e) {
        java.util.function.Consumer<AlertEvent> l = listener;
        if (l != null) {
            l.accept(e);
        }
        if (e.firing()) {
            log.warn("camera {}: ALERT {}: {}", e.cameraId(), e.signal(), e.message());
        } else {
            log.info("camera {}: alert {} cleared: {}", e.cameraId(), e.signal(), e.message());
        }
        if (store != null) {
            store.saveAlert(e);
        }
        synchronized (history) {
            history.addFirst(e);
            while (history.size() > HISTORY) {
                history.removeLast();
            }
        }
        Counter.builder("edgewatch.alerts").description("alerts fired, by signal")
                .tags("camera", e.cameraId(), "signal", e.signal().replaceFirst(":.*", ""), "state", e.firing() ? "firing" : "cleared")
                .register(registry).increment();
    }

    /** {@code GET /api/alerts}: the alerts firing now and the most recent starts and clears, newest first. */
    public ObjectNode alerts() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode active = root.putArray("active");
        cameras.values().stream().sorted(java.util.Comparator.comparing(c -> c.id))
                .forEach(c -> c.activeAlerts().forEach(a -> active.add(alertJson(a))));
        daemonActive.values().stream().sorted(java.util.Comparator.comparing(AlertEvent::signal)).forEach(a -> active.add(alertJson(a)));
        ArrayNode recent = root.putArray("recent");
        synchronized (history) {
            history.forEach(a -> recent.add(alertJson(a)));
        }
        return root;
    }

    private static ObjectNode alertJson(AlertEvent a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("camera_id", a.cameraId()).put("signal", a.signal()).put("state", a.firing() ? "firing" : "cleared")
                .put("at", a.at().toString()).put("baseline", a.baseline()).put("current", a.current())
                .put("message", a.message());
        return n;
    }

    private Counter counter(String name, String description, String camera, String model, String... tags) {
        return Counter.builder(name).description(description).tags("camera", camera, "model", model).tags(tags).register(registry);
    }

    /** A settable gauge: the meter reads the holder the window sets. */
    private Holder gauge(String name, String description, String camera, String model, String... tags) {
        StringBuilder key = new StringBuilder(name).append('|').append(camera).append('|').append(model);
        for (String t : tags) {
            key.append('|').append(t);
        }
        double[] holder = values.computeIfAbsent(key.toString(), k -> {
            double[] h = new double[1];
            Gauge.builder(name, h, a -> a[0]).description(description).tags("camera", camera, "model", model).tags(tags)
                    .baseUnit(name.equals("edgewatch.latency") ? "seconds" : null).register(registry);
            return h;
        });
        return v -> holder[0] = v;
    }

    private interface Holder {
        void set(double v);
    }

    private volatile String workspace;

    /** The Roboflow workspace this daemon reports to, when configured: the statistics endpoint answers for it alone. */
    public void workspace(String slug) {
        this.workspace = slug;
    }

    /**
     * {@code GET /{workspace}/inference-stats}: Roboflow's statistics computed from the kept window
     * history, read on a thread that may block.
     *
     * @throws InferenceStats.BadRequest (as the Mono's error) for a bad parameter
     * @throws NoSuchElementException (as the Mono's error) for another workspace, or with no history kept
     */
    public Mono<ObjectNode> inferenceStats(String workspace, String startTime, String endTime, String modelNames) {
        return Mono.fromCallable(() -> {
            String mine = this.workspace;
            if (mine != null && !mine.equals(workspace)) {
                throw new java.util.NoSuchElementException("workspace '" + workspace + "' is not this daemon's (it reports to '"
                        + mine + "')");
            }
            if (store == null) {
                throw new java.util.NoSuchElementException("no window history is kept (the health store could not be opened)");
            }
            InferenceStats.Query q = InferenceStats.Query.parse(startTime, endTime, modelNames, clock.instant(), clock.getZone());
            store.flush();
            return InferenceStats.compute(q, store.windows(q.from(), q.to()), store.windows(q.previousFrom(), q.from()));
        }).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic());
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** Cameras that are not healthy, with why; empty when all are. */
    public Map<String, List<String>> degraded() {
        Instant now = clock.instant();
        Map<String, List<String>> out = new LinkedHashMap<>();
        cameras.values().stream().sorted(java.util.Comparator.comparing(c -> c.id)).forEach(c -> {
            List<String> p = c.problems(now, started);
            if (!p.isEmpty()) {
                out.put(c.id, p);
            }
        });
        return out;
    }

    /** {@code GET /healthz}: the daemon is up; which cameras are degraded and why. */
    public ObjectNode healthz() {
        Map<String, List<String>> degraded = degraded();
        ObjectNode root = JSON.createObjectNode();
        List<AlertEvent> daemonAlerts = daemonActive.values().stream().sorted(java.util.Comparator.comparing(AlertEvent::signal)).toList();
        root.put("status", degraded.isEmpty() && daemonAlerts.isEmpty() ? "ok" : "degraded");
        if (!daemonAlerts.isEmpty()) {
            ArrayNode problems = root.putArray("problems");
            daemonAlerts.forEach(a -> problems.add("alert " + a.signal() + ": " + a.message()));
        }
        root.put("uptime_s", Duration.between(started, clock.instant()).toSeconds());
        ObjectNode cams = root.putObject("cameras");
        cameras.keySet().stream().sorted().forEach(id -> cams.put(id, degraded.containsKey(id)
                ? "degraded: " + String.join("; ", degraded.get(id)) : "ok"));
        return root;
    }

    /** {@code GET /api/cameras}: each camera's source, last window and totals. */
    public ArrayNode cameras() {
        Instant now = clock.instant();
        ArrayNode out = JSON.createArrayNode();
        cameras.values().stream().sorted(java.util.Comparator.comparing(c -> c.id)).forEach(c -> {
            ObjectNode n = out.addObject();
            n.put("camera_id", c.id);
            n.put("model_id", c.modelId);
            List<String> problems = c.problems(now, started);
            n.put("status", problems.isEmpty() ? "ok" : "degraded");
            ArrayNode p = n.putArray("problems");
            problems.forEach(p::add);
            SourceStatus s = c.source();
            ObjectNode src = n.putObject("source");
            src.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
            src.put("since", s.since().toString());
            src.put("reconnects", s.reconnects());
            if (s.downSince() != null) {
                src.put("down_since", s.downSince().toString());
            }
            ObjectNode times = src.putObject("seconds_in_state");
            for (SourceStatus.State state : SourceStatus.State.values()) {
                times.put(state.name().toLowerCase(java.util.Locale.ROOT), s.timeIn(state, now).toMillis() / 1000.0);
            }
            if (s.lastError() != null) {
                src.put("last_error", s.lastError());
            }
            ArrayNode alerts = n.putArray("active_alerts");
            c.activeAlerts().forEach(a -> alerts.add(alertJson(a)));
            AlertEngine.Baseline b = c.baseline();
            if (b != null) {
                n.set("baseline", JSON.valueToTree(b));
            }
            long[] t = c.totals();
            ObjectNode totals = n.putObject("totals");
            totals.put("frames_seen", t[0]).put("frames_inferred", t[1]).put("frames_dropped", t[2]).put("inference_errors", t[3]);
            WindowReport r = c.last();
            if (r == null) {
                n.putNull("last_window");
                return;
            }
            ObjectNode w = n.putObject("last_window");
            w.put("window_start", r.windowStart().toString()).put("window_end", r.windowEnd().toString());
            w.put("frames_seen", r.framesSeen()).put("frames_inferred", r.framesInferred()).put("frames_empty", r.framesEmpty())
                    .put("frames_dropped", r.framesDropped()).put("inference_errors", r.inferenceErrors());
            double seconds = r.seconds();
            w.put("fps_seen", round(r.framesSeen() / seconds)).put("fps_inferred", round(r.framesInferred() / seconds));
            w.set("dropped_by_reason", JSON.valueToTree(r.droppedByReason()));
            w.set("errors_by_kind", JSON.valueToTree(r.errorsByKind()));
            // the same shapes as the JSONL report's
            w.set("latency_ms", JSON.valueToTree(ReportJson.latencies(r)));
            w.set("classes", JSON.valueToTree(ReportJson.stats(r.classStats())));
        });
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
