package io.edgewatch.health;

import java.time.Clock;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.ConfidenceHistogram;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowAggregator;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.health.alert.AlertEngine;
import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.sink.broker.DestinationStats;
import io.edgewatch.sink.outbox.OutboxStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Window reports, source states and alerts as Micrometer meters with the camera and model as tags,
 * plus the process's own (JVM, CPU, JavaCPP's native memory) and the outbox's; scraped in the
 * Prometheus text format. Updated once per window, so the frames pay nothing for it.
 */
final class HealthMeters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthMeters.class);

    private static final double[] CONFIDENCE_BOUNDS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    static final WindowHistograms.Family LATENCY = new WindowHistograms.Family("edgewatch_latency_seconds",
            "latency of each frame by pipeline stage (decode, wait, inference, call, end_to_end)", LatencyStats.BOUNDS_SECONDS,
            "camera", "model", "stage");
    static final WindowHistograms.Family CONFIDENCE = new WindowHistograms.Family("edgewatch_prediction_confidence",
            "confidence of every prediction (0 to 1), by class", CONFIDENCE_BOUNDS, "camera", "model", "class");
    /** The stages of {@link WindowReport#latencies()}. */
    private static final List<String> DAEMON_SIGNALS = List.of("delivery_stopped", "storage_full");
    private static final List<String> STAGES = List.of("decode", "wait", "inference", "call", "end_to_end");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final WindowHistograms histograms = new WindowHistograms(List.of(LATENCY, CONFIDENCE));
    /** Gauges' current values by meter name and tags, set once per window. */
    private final Map<String, double[]> values = new ConcurrentHashMap<>();
    /** The classes each camera and model showed in its last window: their per-window gauges go when they leave. */
    private final Map<String, Set<String>> shownClasses = new ConcurrentHashMap<>();
    private static final String[] CLASS_GAUGES = {"edgewatch.confidence.mean", "edgewatch.confidence.max", "edgewatch.confidence.median"};
    /**
     * Distinct classes a camera and model get series of their own for; the rest are counted
     * together under class {@value #OTHER}. Class names come from the model (or the Inference
     * Server's answer): a buggy or hostile server naming a new class in every answer would
     * otherwise grow the scrape and the heap without end. More than COCO's 80.
     */
    static final int MAX_CLASSES = 128;
    /** The class label of predictions of the classes past {@link #MAX_CLASSES}. */
    static final String OTHER = "other";
    /** The classes given series, per camera and model, in the order first seen: at most {@link #MAX_CLASSES} each. */
    private final Map<String, Set<String>> knownClasses = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile Supplier<OutboxStats> outbox;

    HealthMeters(Clock clock) {
        this.clock = clock;
        registry.getPrometheusRegistry().register(histograms);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("edgewatch.native.memory", Pointer::physicalBytes).baseUnit("bytes")
                .description("memory held by the process as JavaCPP counts it (native frames, FFmpeg, OpenCV)")
                .register(registry);
    }

    private final Counter rejectedConnections = Counter.builder("edgewatch.health.connections.rejected")
            .description("connections to the health endpoint closed at once because it held its maximum").register(registry);
    private final Map<EndpointGuard.Reason, Counter> refused = new EnumMap<>(EndpointGuard.Reason.class);

    {
        // every reason from the start: a counter that appears only after its first event breaks rate()
        for (EndpointGuard.Reason r : EndpointGuard.Reason.values()) {
            refused.put(r, Counter.builder("edgewatch.health.refused").tag("reason", r.label())
                    .description("connections and requests the health endpoint refused or closed, by reason").register(registry));
        }
    }

    void refused(EndpointGuard.Reason reason) {
        refused.get(reason).increment();
        if (reason == EndpointGuard.Reason.OVER_CAP) {
            rejectedConnections.increment();
        }
    }

    /** The outbox's depth, oldest age and counters. */
    void clockSteps(LongSupplier steps) {
        FunctionCounter.builder("edgewatch.clock.steps", steps, LongSupplier::getAsLong)
                .description("steps of the wall clock against the monotonic clock (over 1 s between two checks)").register(registry);
    }

    void outbox(Supplier<OutboxStats> stats) {
        this.outbox = stats; // meters hold their object weakly: keep it here
        Gauge.builder("edgewatch.outbox.depth", stats, o -> o.get().depth())
                .description("Roboflow requests waiting in the outbox").register(registry);
        Gauge.builder("edgewatch.outbox.oldest.age", stats, o -> o.get().oldestAgeMillis() / 1000.0)
                .baseUnit("seconds").description("age of the oldest request waiting in the outbox").register(registry);
        FunctionCounter.builder("edgewatch.outbox.delivered", stats, o -> o.get().delivered())
                .description("Roboflow requests delivered").register(registry);
        FunctionCounter.builder("edgewatch.outbox.evicted", stats, o -> o.get().evicted())
                .description("Roboflow requests evicted because the outbox was full").register(registry);
        FunctionCounter.builder("edgewatch.outbox.refused", stats, o -> o.get().refused())
                .description("appends refused for what was wrong with their entry (each an error to its caller), since the start")
                .register(registry);
        Gauge.builder("edgewatch.outbox.held", stats, o -> o.get().held())
                .description("requests held because they were made while the wall clock was known wrong").register(registry);
    }

    /** Kept here: meters hold their object weakly. */
    private final Map<String, Supplier<DestinationStats>> destinations = new ConcurrentHashMap<>();

    /** A broker destination's {@code edgewatch_destination_{sent,acknowledged,retried}_total} and {@code _connected}. */
    void destination(String name, Supplier<DestinationStats> stats) {
        destinations.put(name, stats);
        FunctionCounter.builder("edgewatch.destination.sent", stats, s -> s.get().sent()).tag("destination", name)
                .description("messages published to a broker destination (retries included)").register(registry);
        FunctionCounter.builder("edgewatch.destination.acknowledged", stats, s -> s.get().acknowledged()).tag("destination", name)
                .description("messages the broker acknowledged (delivered, out of the outbox)").register(registry);
        FunctionCounter.builder("edgewatch.destination.retried", stats, s -> s.get().retried()).tag("destination", name)
                .description("publishes that failed and are sent again").register(registry);
        Gauge.builder("edgewatch.destination.connected", stats, s -> s.get().connected() ? 1 : 0).tag("destination", name)
                .description("1 while connected to the broker, else 0").register(registry);
    }

    /** Requests waiting in the outbox; 0 without one. */
    long outboxDepth() {
        Supplier<OutboxStats> o = outbox;
        return o == null ? 0 : o.get().depth();
    }

    /** A registered camera's source state, reconnects and active alerts; its counters, at 0 from the start. */
    void camera(CameraHealth c) {
        String id = c.id;
        // a counter that appears only with its first event breaks rate() and increase(): all of them now
        counter("edgewatch.frames", "frames by outcome", id, c.modelId, "outcome", "seen");
        counter("edgewatch.frames", "frames by outcome", id, c.modelId, "outcome", "inferred");
        for (FrameEvent.DropReason reason : FrameEvent.DropReason.values()) {
            counter("edgewatch.frames.dropped", "frames not inferred, by reason", id, c.modelId, "reason", reason.label());
        }
        for (InferenceException.Kind kind : InferenceException.Kind.values()) {
            counter("edgewatch.inference.errors", "failed inferences, by kind", id, c.modelId, "kind", kind.label());
        }
        counter("edgewatch.decode.errors", "errors the source's decoder reported (corrupt data it concealed)", id, c.modelId);
        for (String stage : STAGES) {
            histograms.add(LATENCY, new long[LatencyStats.BOUNDS_SECONDS.length + 1], 0, id, c.modelId, stage);
        }
        for (SourceStatus.State state : SourceStatus.State.values()) {
            String name = state.name().toLowerCase(Locale.ROOT);
            Gauge.builder("edgewatch.source.state", c, h -> h.source().state() == state ? 1 : 0)
                    .tags("camera", id, "state", name).description("1 for the source's current state").register(registry);
            FunctionCounter.builder("edgewatch.source.time", c, h -> h.source().timeIn(state, clock.instant()).toMillis() / 1000.0)
                    .tags("camera", id, "state", name).baseUnit("seconds")
                    .description("time the source spent in each state").register(registry);
        }
        FunctionCounter.builder("edgewatch.source.reconnects", c, h -> h.source().reconnects()).tags("camera", id)
                .description("reconnect attempts of the source").register(registry);
        FunctionCounter.builder("edgewatch.reports.dropped", c, CameraHealth::reportsDropped).tags("camera", id)
                .description("window reports dropped, the oldest first, because the camera's sinks stayed behind").register(registry);
        FunctionCounter.builder("edgewatch.decoder.fallbacks", c, CameraHealth::decoderFallbacks).tags("camera", id)
                .description("connections that fell back to software from the hardware decoder asked for").register(registry);
        Gauge.builder("edgewatch.alerts.active", c, h -> h.activeAlerts().size()).tags("camera", id)
                .description("alerts firing now").register(registry);
        alertsOf(id, AlertEngine.SIGNALS, c, CameraHealth::activeAlerts);
    }

    /**
     * {@code edgewatch_source_decoder{camera,decoder}}: 1 for the decoder the camera's source uses
     * now, 0 for one it used before; a series appears with the first connection on that decoder.
     */
    void decoder(CameraHealth c) {
        String name = c.decoder();
        if (name == null) {
            return;
        }
        // registering an existing meter again returns it: cheap
        Gauge.builder("edgewatch.source.decoder", c, h -> name.equals(h.decoder()) ? 1 : 0)
                .tags("camera", c.id, "decoder", name)
                .description("1 for the video decoder the source uses now (FFmpeg's name: h264, h264_cuvid, ...)").register(registry);
    }

    /** {@code edgewatch_inference_provider{camera,provider}}: 1 for where the camera's model runs. */
    void executionProvider(CameraHealth c) {
        String name = c.executionProvider();
        if (name == null) {
            return;
        }
        Gauge.builder("edgewatch.inference.provider", c, h -> name.equals(h.executionProvider()) ? 1 : 0)
                .tags("camera", c.id, "provider", name)
                .description("1 for the execution provider the camera's model runs on (cpu, cuda, tensorrt)").register(registry);
    }

        /** The daemon's own alerts ({@code delivery_stopped}, {@code storage_full}), as a camera's are. */
    <T> void daemonAlerts(T source, Function<T, List<AlertEvent>> active) {
        alertsOf(AlertHub.DAEMON, DAEMON_SIGNALS, source, active);
    }

    /**
     * Per signal: {@code edgewatch_alert_firing} (how many of its alerts fire now: one per class
     * for the class signals) and {@code edgewatch_alerts_total} by state, at 0 from the start.
     */
    private <T> void alertsOf(String camera, List<String> signals, T source, Function<T, List<AlertEvent>> active) {
        for (String signal : signals) {
            Gauge.builder("edgewatch.alert.firing", source, s -> active.apply(s).stream().filter(e -> kind(e).equals(signal)).count())
                    .tags("camera", camera, "signal", signal).description("alerts of this signal firing now").register(registry);
            for (String state : new String[] {"firing", "cleared"}) {
                alertCounter(camera, signal, state);
            }
        }
    }

    private static String kind(AlertEvent e) {
        return e.signal().replaceFirst(":.*", "");
    }

    private Counter alertCounter(String camera, String signal, String state) {
        return Counter.builder("edgewatch.alerts").description("alerts fired and cleared, by signal")
                .tags("camera", camera, "signal", signal, "state", state).register(registry);
    }

    /** A window's counts, confidences, latencies and rates. */
    void window(WindowReport r) {
        String cam = r.cameraId();
        String model = r.modelId();
        counter("edgewatch.frames", "frames by outcome", cam, model, "outcome", "seen").increment(r.framesSeen());
        counter("edgewatch.frames", "frames by outcome", cam, model, "outcome", "inferred").increment(r.framesInferred());
        r.droppedByReason().forEach((reason, n) ->
                counter("edgewatch.frames.dropped", "frames not inferred, by reason", cam, model, "reason", reason).increment(n));
        r.errorsByKind().forEach((kind, n) -> {
            if (kind.equals(WindowAggregator.DECODE_ERRORS)) {
                counter("edgewatch.decode.errors", "errors the source's decoder reported (corrupt data it concealed)", cam, model)
                        .increment(n);
            } else {
                counter("edgewatch.inference.errors", "failed inferences, by kind", cam, model, "kind", kind).increment(n);
            }
        });
        Set<String> known = knownClasses.computeIfAbsent(cam + '|' + model, k -> ConcurrentHashMap.newKeySet());
        Set<String> now = new HashSet<>();
        for (ClassStats s : r.classStats()) {
            if (labelOf(known, cam, model, s.className()).equals(s.className())) {
                now.add(s.className()); // last-window gauges only for classes of their own
            }
        }
        Set<String> before = shownClasses.put(cam + '|' + model, now);
        if (before != null) {
            for (String gone : before) {
                if (!now.contains(gone)) {
                    removeClassGauges(cam, model, gone);
                }
            }
        }
        for (ClassStats s : r.classStats()) {
            String label = labelOf(known, cam, model, s.className());
            counter("edgewatch.detections", "predictions, by class", cam, model, "class", label).increment(s.count());
            confidence(cam, model, label, s);
            if (!label.equals(s.className())) {
                continue; // a mean or median of several classes would mean nothing
            }
            gauge("edgewatch.confidence.mean", "mean confidence of the class over the last window", cam, model, "class",
                    s.className())[0] = s.meanConfidence();
            gauge("edgewatch.confidence.max", "highest confidence of the class over the last window", cam, model, "class",
                    s.className())[0] = s.maxConfidence();
            gauge("edgewatch.confidence.median", "median confidence of the class over the last window", cam, model, "class",
                    s.className())[0] = s.medianConfidence();
        }
        r.latencies().forEach((stage, l) -> {
            if (l.count() > 0 && l.buckets() != null) {
                histograms.add(LATENCY, l.buckets(), l.sumMillis() / 1000.0, cam, model, stage);
            }
        });
        double seconds = r.seconds();
        gauge("edgewatch.fps", "frames a second over the last window", cam, model, "outcome", "seen")[0] = r.framesSeen() / seconds;
        gauge("edgewatch.fps", "frames a second over the last window", cam, model, "outcome", "inferred")[0] =
                r.framesInferred() / seconds;
    }

    /** An alert start or clear, counted by camera, signal (without its class) and state. */
    void alert(AlertEvent e) {
        alertCounter(e.cameraId(), kind(e), e.firing() ? "firing" : "cleared").increment();
    }

    /**
     * The class's confidences into the 0-1 histogram: the window's 0.01 bins added up by tenths
     * (bin i, confidences from i/100 up to (i+1)/100, counts in the bucket of bound (i/10 + 1)/10),
     * each bin's sum taken at its middle, so counts are exact and the sum within 0.005 a prediction.
     */
    private void confidence(String cam, String model, String label, ClassStats s) {
        long[] counts = new long[CONFIDENCE_BOUNDS.length + 1];
        double sum = 0;
        for (int i = 0; i < ConfidenceHistogram.BINS; i++) {
            long n = s.confidence().count(i);
            counts[Math.min(CONFIDENCE_BOUNDS.length - 1, i * CONFIDENCE_BOUNDS.length / ConfidenceHistogram.BINS)] += n;
            sum += n * (i + 0.5) / ConfidenceHistogram.BINS;
        }
        histograms.add(CONFIDENCE, counts, sum, cam, model, label);
    }

    /**
     * The class label {@code className} is counted under: itself while the camera and model have
     * fewer than {@link #MAX_CLASSES} classes (or it is one of them), else {@value #OTHER}, said
     * once in the log when a camera first passes the cap.
     */
    private String labelOf(Set<String> known, String cam, String model, String className) {
        if (known.contains(className)) {
            return className;
        }
        synchronized (known) {
            if (known.size() < MAX_CLASSES) {
                known.add(className);
                return className;
            }
            if (overflowed.add(cam + '|' + model)) {
                log.warn("camera {}: the model named more than {} classes; the others are counted under class=\"{}\" in /metrics",
                        cam, MAX_CLASSES, OTHER);
            }
        }
        return OTHER;
    }

    /** The cameras and models that passed the cap (each said once in the log). */
    private final Set<String> overflowed = ConcurrentHashMap.newKeySet();

    /** A class that left: its last-window gauges would repeat a stale value; they go (its counters stay). */
    private void removeClassGauges(String cam, String model, String className) {
        for (String name : CLASS_GAUGES) {
            values.remove(name + '|' + cam + '|' + model + "|class|" + className);
            Gauge g = registry.find(name).tags("camera", cam, "model", model, "class", className).gauge();
            if (g != null) {
                registry.remove(g);
            }
        }
    }

    private Counter counter(String name, String description, String camera, String model, String... tags) {
        return Counter.builder(name).description(description).tags("camera", camera, "model", model).tags(tags).register(registry);
    }

    /** A settable gauge: the meter reads the one-element array the window sets. */
    private double[] gauge(String name, String description, String camera, String model, String... tags) {
        StringBuilder key = new StringBuilder(name).append('|').append(camera).append('|').append(model);
        for (String t : tags) {
            key.append('|').append(t);
        }
        return values.computeIfAbsent(key.toString(), k -> {
            double[] h = new double[1];
            Gauge.builder(name, h, a -> a[0]).description(description).tags("camera", camera, "model", model).tags(tags)
                    .register(registry);
            return h;
        });
    }

    /** A camera that left the configuration: every series of it goes (a camera that comes back starts from 0). */
    void removeCamera(String id) {
        for (Meter m : registry.getMeters()) {
            if (id.equals(m.getId().getTag("camera"))) {
                registry.remove(m);
            }
        }
        values.keySet().removeIf(k -> k.split("\\|", 3)[1].equals(id));
        shownClasses.keySet().removeIf(k -> k.startsWith(id + '|'));
        knownClasses.keySet().removeIf(k -> k.startsWith(id + '|'));
        overflowed.removeIf(k -> k.startsWith(id + '|'));
        histograms.remove("camera", id);
    }

    /** The Prometheus text exposition of every meter. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
