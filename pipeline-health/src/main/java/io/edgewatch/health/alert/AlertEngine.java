package io.edgewatch.health.alert;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.source.SourceStatus;
import reactor.core.publisher.Flux;

/**
 * One camera's drift and health alerts, decided window by window from its reports (time is the
 * windows' own, so a replay decides the same). The first {@link AlertOptions#baselinePeriod}
 * windows with inferred frames teach the baseline: per class its mean confidence and share of predictions, the mean
 * inference p95 and the mean inferred frames a second. Then, per window:
 * <ul>
 *   <li>{@code confidence_slide:CLASS}: the class's mean confidence is below its baseline by more than the drop;</li>
 *   <li>{@code class_shift}: the PSI of the class mix of the recent windows against the baseline's is above the limit;</li>
 *   <li>{@code latency_creep}: inference p95 is above the baseline by more than the factor;</li>
 *   <li>{@code throughput_drop}: inferred frames a second are below the share of the baseline (not while the source is down);</li>
 *   <li>{@code error_rate}: failed inferences are above the share of frames seen (needs no baseline);</li>
 *   <li>{@code malformed}: answers that cannot be right are above the share of answers (needs no baseline);</li>
 *   <li>{@code source_down}: the source has not been streaming for longer than the limit (no baseline; fires and clears at once).</li>
 * </ul>
 * An alert fires once its condition has held for {@code sustain} and clears once it has been gone
 * for {@code sustain}: a condition that flickers neither fires nor clears on every window.
 * Not thread-safe: one camera's windows come in order.
 */
public final class AlertEngine {

    /** Classes whose share of the baseline is below this are left out of the confidence slide (too few to judge). */
    private static final double MIN_SHARE = 0.01;
    private static final double PSI_FLOOR = 1e-4;

    private final String cameraId;
    private final AlertOptions options;
    private final int baselineWindows;
    private Learner learner = new Learner();
    private Baseline baseline;
    private final Deque<Map<String, Long>> recent = new ArrayDeque<>();
    private final Map<String, Hysteresis> conditions = new LinkedHashMap<>();

    /** An engine for a camera whose windows are {@code frequency} long, learning its baseline. */
    public AlertEngine(String cameraId, AlertOptions options, Duration frequency) {
        this(cameraId, options, frequency, null);
    }

    /** An engine that starts from a baseline kept from before (null: learn one). */
    public AlertEngine(String cameraId, AlertOptions options, Duration frequency, Baseline kept) {
        this.cameraId = cameraId;
        this.options = options;
        this.baselineWindows = options.baselineWindows(frequency);
        this.baseline = kept;
    }

    /** Alerts as an operator: window reports of {@code frequency} in, alert events out. */
    public static Flux<AlertEvent> alerts(Flux<WindowReport> reports, String cameraId, AlertOptions options, Duration frequency) {
        return Flux.defer(() -> {
            AlertEngine engine = new AlertEngine(cameraId, options, frequency);
            return reports.concatMapIterable(engine::onWindow);
        });
    }

    /** The learnt baseline, or null while it is being learnt. */
    public Baseline baseline() {
        return baseline;
    }

    /**
     * Takes back an alert that was firing when the daemon stopped, so it is neither fired a second
     * time nor forgotten: it clears like any other once its condition has been gone for {@code sustain}.
     */
    public void restore(AlertEvent firing) {
        conditions.computeIfAbsent(firing.signal(), k -> new Hysteresis()).restore(firing.at());
    }

    private static final Set<String> WITHOUT_BASELINE = Set.of("source_down", "error_rate", "malformed");

    /** Every signal a camera's alerts can fire, without their {@code :class} part. */
    public static final List<String> SIGNALS = List.of("source_down", "error_rate", "malformed", "latency_creep", "throughput_drop",
            "confidence_drop", "class_shift");

    /** Whether the signal is judged against the baseline (and so means nothing once it is learnt again). */
    public static boolean needsBaseline(String signal) {
        return !WITHOUT_BASELINE.contains(signal);
    }

    /**
     * Forgets the baseline and learns a new one from the next windows (an operator's request after
     * the scene or the camera changed). Alerts judged against the old baseline clear now; the
     * returned events say so.
     */
    public List<AlertEvent> relearn(Instant at) {
        baseline = null;
        learner = new Learner();
        recent.clear();
        List<AlertEvent> events = new ArrayList<>();
        var it = conditions.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Hysteresis> e = it.next();
            if (!needsBaseline(e.getKey())) {
                continue;
            }
            if (e.getValue().firing()) {
                events.add(new AlertEvent(cameraId, e.getKey(), false, at, 0, 0, "cleared: the baseline is being learnt again"));
            }
            it.remove();
        }
        return events;
    }

    /** The signals firing now. */
    public List<String> active() {
        return conditions.entrySet().stream().filter(e -> e.getValue().firing()).map(Map.Entry::getKey).toList();
    }

    /** Takes one window; what started or cleared because of it. */
    public List<AlertEvent> onWindow(WindowReport r) {
        return onWindow(r, null);
    }

    /** Takes one window and the source's state at its end (null when unknown). */
    public List<AlertEvent> onWindow(WindowReport r, SourceStatus source) {
        Instant at = r.windowEnd();
        List<AlertEvent> events = new ArrayList<>();
        boolean notStreaming = source != null && (source.state() == SourceStatus.State.CONNECTING
                || source.state() == SourceStatus.State.RECONNECTING || source.state() == SourceStatus.State.FAILED);
        if (source != null) {
            // since it last streamed, across every reconnect attempt (each attempt is a state of its own)
            double downSeconds = notStreaming ? source.down(at).toMillis() / 1000.0 : 0;
            String message = notStreaming
                    ? String.format(Locale.ROOT, "source %s, not streaming for %.0f s (limit %d s)%s", source.state().name().toLowerCase(Locale.ROOT),
                            downSeconds, options.sourceDown().toSeconds(), source.lastError() == null ? "" : ": " + source.lastError())
                    : "source " + source.state().name().toLowerCase(Locale.ROOT) + " again";
            check(events, "source_down", notStreaming && downSeconds >= options.sourceDown().toMillis() / 1000.0, at,
                    options.sourceDown().toSeconds(), downSeconds, message, Duration.ZERO);
        }
        double seconds = r.seconds();
        if (r.framesSeen() > 0) {
            double rate = (double) r.inferenceErrors() / r.framesSeen();
            check(events, "error_rate", rate > options.errorRate(), at, options.errorRate(), rate,
                    String.format(Locale.ROOT, "%.0f %% of frames failed inference in the window (limit %.0f %%) %s",
                            rate * 100, options.errorRate() * 100, r.errorsByKind()));
        }
        long judged = r.framesInferred() + r.inferenceErrors();
        if (judged > 0) {
            long malformed = r.errorsByKind().getOrDefault("malformed", 0L);
            double share = (double) malformed / judged;
            check(events, "malformed", share > options.malformedRate(), at, options.malformedRate(), share,
                    String.format(Locale.ROOT, "%d of %d answers of model %s were malformed in the window (limit %.1f %%)",
                            malformed, judged, r.modelId(), options.malformedRate() * 100));
        }
        if (baseline == null) {
            if (r.framesInferred() == 0) {
                // a camera that is still connecting, or down, teaches nothing
                return events;
            }
            learner.add(r, seconds);
            if (learner.windows >= baselineWindows) {
                baseline = learner.baseline();
            }
            return events;
        }
        Map<String, Long> counts = new HashMap<>();
        for (ClassStats s : r.classStats()) {
            counts.put(s.className(), s.count());
        }
        recent.addLast(counts);
        while (recent.size() > options.recentWindows()) {
            recent.removeFirst();
        }
        for (Map.Entry<String, Double> e : baseline.meanConfidence().entrySet()) {
            String cls = e.getKey();
            if (baseline.share().getOrDefault(cls, 0.0) < MIN_SHARE) {
                continue;
            }
            ClassStats now = r.classStats().stream().filter(s -> s.className().equals(cls)).findFirst().orElse(null);
            String signal = "confidence_slide:" + cls;
            if (now == null) {
                // no prediction of the class in this window: nothing to judge its confidence by
                continue;
            }
            boolean low = now.meanConfidence() < e.getValue() - options.confidenceDrop();
            check(events, signal, low, at, e.getValue(), now.meanConfidence(), String.format(Locale.ROOT,
                    "mean confidence of %s is %.3f, baseline %.3f (alert below %.3f)", cls, now.meanConfidence(), e.getValue(),
                    e.getValue() - options.confidenceDrop()));
        }
        if (recent.size() >= options.recentWindows()) {
            double psi = psi(baseline.share(), recent);
            check(events, "class_shift", psi > options.psiLimit(), at, 0, psi, String.format(Locale.ROOT,
                    "class mix PSI %.3f over the last %d windows against the baseline (limit %.2f)", psi, recent.size(),
                    options.psiLimit()));
        }
        if (r.inferenceLatency().count() > 0 && baseline.p95Millis() > 0) {
            double p95 = r.inferenceLatency().p95Millis();
            check(events, "latency_creep", p95 > baseline.p95Millis() * options.latencyFactor(), at, baseline.p95Millis(), p95,
                    String.format(Locale.ROOT, "inference p95 %.1f ms, baseline %.1f ms (alert above %.1fx)", p95,
                            baseline.p95Millis(), options.latencyFactor()));
        }
        // a source that is down already says why nothing is inferred: no throughput alert on top of it
        if (baseline.fps() > 0 && !notStreaming) {
            double fps = r.framesInferred() / seconds;
            check(events, "throughput_drop", fps < baseline.fps() * options.throughputDrop(), at, baseline.fps(), fps,
                    String.format(Locale.ROOT, "%.2f frames a second inferred, baseline %.2f (alert below %.0f %%)", fps,
                            baseline.fps(), options.throughputDrop() * 100));
        }
        return events;
    }

    private void check(List<AlertEvent> events, String signal, boolean holds, Instant at, double base, double current,
                       String message) {
        check(events, signal, holds, at, base, current, message, options.sustain());
    }

    private void check(List<AlertEvent> events, String signal, boolean holds, Instant at, double base, double current,
                       String message, Duration sustain) {
        switch (conditions.computeIfAbsent(signal, k -> new Hysteresis()).step(holds, at, sustain, sustain)) {
            case FIRED -> events.add(new AlertEvent(cameraId, signal, true, at, base, current, message));
            case CLEARED -> events.add(new AlertEvent(cameraId, signal, false, at, base, current, "cleared: " + message));
            case NONE -> { }
        }
    }

    /** Population stability index of the recent class mix against the baseline's; classes new to either count too. */
    static double psi(Map<String, Double> expected, Iterable<Map<String, Long>> windows) {
        Map<String, Long> totals = new HashMap<>();
        long all = 0;
        for (Map<String, Long> w : windows) {
            for (Map.Entry<String, Long> e : w.entrySet()) {
                totals.merge(e.getKey(), e.getValue(), Long::sum);
                all += e.getValue();
            }
        }
        if (all == 0) {
            return expected.isEmpty() ? 0 : Double.POSITIVE_INFINITY;
        }
        Set<String> classes = new HashSet<>(expected.keySet());
        classes.addAll(totals.keySet());
        double psi = 0;
        for (String c : classes) {
            double e = Math.max(PSI_FLOOR, expected.getOrDefault(c, 0.0));
            double a = Math.max(PSI_FLOOR, (double) totals.getOrDefault(c, 0L) / all);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }

    /** Running sums over the learning windows; also what a pinned baseline is computed with. */
    public static final class Learner {
        int windows;
        final Map<String, double[]> confidence = new LinkedHashMap<>(); // sum of confidences, count
        double p95Sum;
        int p95Windows;
        double fpsSum;

        void add(WindowReport r, double seconds) {
            Map<String, double[]> classes = new LinkedHashMap<>();
            for (ClassStats s : r.classStats()) {
                classes.put(s.className(), new double[] {s.meanConfidence() * s.count(), s.count()});
            }
            add(classes, r.inferenceLatency().count() > 0 ? r.inferenceLatency().p95Millis() : Double.NaN, r.framesInferred() / seconds);
        }

        /**
         * One window with inferred frames.
         *
         * @param classes per class: the sum of its confidences and its count of predictions
         * @param p95Millis the window's inference p95, NaN when unknown
         * @param fps inferred frames a second
         */
        public void add(Map<String, double[]> classes, double p95Millis, double fps) {
            windows++;
            classes.forEach((cls, a) -> {
                double[] sum = confidence.computeIfAbsent(cls, k -> new double[2]);
                sum[0] += a[0];
                sum[1] += a[1];
            });
            if (!Double.isNaN(p95Millis)) {
                p95Sum += p95Millis;
                p95Windows++;
            }
            fpsSum += fps;
        }

        public int windows() {
            return windows;
        }

        public Baseline baseline() {
            Map<String, Double> mean = new LinkedHashMap<>();
            Map<String, Double> share = new LinkedHashMap<>();
            double all = confidence.values().stream().mapToDouble(a -> a[1]).sum();
            confidence.forEach((cls, a) -> {
                mean.put(cls, a[1] == 0 ? 0 : a[0] / a[1]);
                share.put(cls, all == 0 ? 0 : a[1] / all);
            });
            return new Baseline(windows, mean, share, p95Windows == 0 ? 0 : p95Sum / p95Windows, windows == 0 ? 0 : fpsSum / windows);
        }
    }

    /**
     * What a camera looked like while it was learnt.
     *
     * @param windows windows learnt from
     * @param meanConfidence per class, weighted by predictions
     * @param share per class, its share of all predictions
     * @param p95Millis mean of the windows' inference p95
     * @param fps mean inferred frames a second
     */
    public record Baseline(int windows, Map<String, Double> meanConfidence, Map<String, Double> share, double p95Millis,
                           double fps) {
    }
}
