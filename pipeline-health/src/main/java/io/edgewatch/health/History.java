package io.edgewatch.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.health.alert.AlertEngine;

/**
 * {@code GET /api/cameras/{id}/history?from=&to=&step=}: a camera's kept windows (the health
 * store's rows: windows as they came for the last day, hourly roll-ups before) summed into points
 * of {@code step} seconds. Every figure is a sum or a mean weighted by what it counts, so points
 * add up to the windows they summarise, across the roll-up boundary too. At most
 * {@link #MAX_POINTS} points whatever the range (the step grows to fit), and the rows read are
 * bounded by what the store keeps ({@code storage.health_history}, one row an hour past a day).
 * Rows are {@linkplain #add added} as the store reads them and folded into their point at once,
 * so the memory of a read is that of its points, not of the rows it read; ranges are at most
 * {@link #MAX_RANGE}. Where no windows were kept for more than two periods, a point with null
 * figures ({@code "gap": true}) marks the gap (at most one between two points, so at most
 * {@link #MAX_POINTS} - 1 more).
 */
final class History {

    /** The most points one answer holds. */
    static final int MAX_POINTS = 720;
    /** The longest range one request may ask for (the history endpoint answers 400 beyond it). */
    static final Duration MAX_RANGE = Duration.ofDays(366);
    /** The range when {@code from} is not given. */
    static final Duration DEFAULT_RANGE = Duration.ofHours(1);

    private final String camera;
    private final Instant from;
    private final Instant to;
    private final long step;
    private final long fromS;
    /** The points so far, by their start: at most {@link #MAX_POINTS}, whatever the rows read. */
    private final Map<Long, Point> points = new TreeMap<>();

    /** Points whose windows are further apart than this are drawn apart: a point with no figures ({@code "gap": true}) goes between. */
    private final long gapSeconds;

    /** An empty history of {@code camera} from {@code from} to {@code to}, in points of {@code step} seconds. */
    History(String camera, Instant from, Instant to, long step) {
        this(camera, from, to, step, Duration.ZERO);
    }

    /**
     * The same for a camera whose windows are {@code period} long: when the last window of a
     * point ended more than two periods before the first window of the next point started, and a
     * step or more lies between the points, nothing was measured in between (the daemon was
     * stopped, the camera down), and a gap point between them says so, so that a plot does not
     * draw a line across it. Hourly roll-ups span their hour, so they are no gap.
     */
    History(String camera, Instant from, Instant to, long step, Duration period) {
        this.camera = camera;
        this.gapSeconds = 2 * Math.max(1, period.toSeconds());
        this.from = from;
        this.to = to;
        this.step = step;
        this.fromS = from.getEpochSecond();
    }

    /** The step actually used: at least {@code asked} (and one second), large enough for {@link #MAX_POINTS}. */
    static long stepSeconds(Instant from, Instant to, long asked) {
        long range = Math.max(1, Duration.between(from, to).toSeconds());
        long fit = (range + MAX_POINTS - 1) / MAX_POINTS;
        return Math.max(Math.max(1, asked), fit);
    }

    private static final class Point {
        long seen;
        long inferred;
        long errors;
        double callMillis;
        double p95Weighted;
        long firstStart = Long.MAX_VALUE;
        long lastEnd = Long.MIN_VALUE;
        final Map<String, double[]> classes = new TreeMap<>(); // count, confidence sum
    }

    /** Adds a window of this camera (others are skipped) to the point its end falls in; the window is not kept. */
    void add(StoredWindow w) {
        if (!w.camera().equals(camera)) {
            return;
        }
        long t = fromS + Math.floorDiv(w.end().getEpochSecond() - fromS, step) * step;
        Point p = points.computeIfAbsent(t, k -> new Point());
        p.seen += w.seen();
        p.inferred += w.inferred();
        p.errors += w.errors();
        p.callMillis += w.callMillis();
        p.p95Weighted += w.inferenceP95Millis() * w.inferred();
        p.firstStart = Math.min(p.firstStart, w.start().getEpochSecond());
        p.lastEnd = Math.max(p.lastEnd, w.end().getEpochSecond());
        for (StoredWindow.ClassRow c : w.classes()) {
            double[] a = p.classes.computeIfAbsent(c.name(), k -> new double[2]);
            a[0] += c.count();
            a[1] += c.confidenceSum();
        }
    }

    /** The history of {@code windows} at once (tests). */
    static ObjectNode of(String camera, List<StoredWindow> windows, Instant from, Instant to, long step,
                         AlertEngine.Baseline baseline, double confidenceDrop) {
        History h = new History(camera, from, to, step);
        windows.forEach(h::add);
        return h.json(baseline, confidenceDrop);
    }

    /** The answer: the points, their totals and the camera's baseline band. */
    ObjectNode json(AlertEngine.Baseline baseline, double confidenceDrop) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode out = f.objectNode();
        out.put("camera_id", camera).put("from", from.toString()).put("to", to.toString()).put("step_s", step);
        ArrayNode list = out.putArray("points");
        Point totals = new Point();
        long[] last = {Long.MIN_VALUE, Long.MIN_VALUE}; // the last point's t and its last window's end
        points.forEach((t, p) -> {
            if (last[0] != Long.MIN_VALUE && t - last[0] > step && p.firstStart - last[1] > gapSeconds) {
                // null figures: uPlot breaks its lines at a null, instead of joining across the gap
                list.addObject().put("t", last[0] + step).put("gap", true).putNull("seen").putNull("inferred").putNull("errors")
                        .putNull("fps_seen").putNull("fps_inferred").putNull("call_ms").putNull("inference_p95_ms")
                        .putObject("classes");
            }
            last[0] = t;
            last[1] = p.lastEnd;
            ObjectNode n = list.addObject();
            n.put("t", t).put("seen", p.seen).put("inferred", p.inferred).put("errors", p.errors)
                    .put("fps_seen", p.seen / (double) step).put("fps_inferred", p.inferred / (double) step)
                    .put("call_ms", p.inferred == 0 ? 0 : p.callMillis / p.inferred)
                    .put("inference_p95_ms", p.inferred == 0 ? 0 : p.p95Weighted / p.inferred);
            ObjectNode cls = n.putObject("classes");
            p.classes.forEach((name, a) -> cls.putObject(name).put("count", (long) a[0])
                    .put("mean_confidence", a[0] == 0 ? 0 : a[1] / a[0]));
            totals.seen += p.seen;
            totals.inferred += p.inferred;
            totals.errors += p.errors;
        });
        out.putObject("totals").put("seen", totals.seen).put("inferred", totals.inferred).put("errors", totals.errors);
        ObjectNode band = out.putObject("baseline");
        if (baseline != null) {
            baseline.meanConfidence().forEach((name, mean) -> band.putObject(name).put("mean_confidence", mean)
                    .put("alert_below", Math.max(0, mean - confidenceDrop)));
        }
        return out;
    }
}
