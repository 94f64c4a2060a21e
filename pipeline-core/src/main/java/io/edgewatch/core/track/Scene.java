package io.edgewatch.core.track;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.edgewatch.core.inference.Box;

/**
 * A camera's zones and lines, fed with its tracker's updates: who is in which zone (with
 * {@code inertia}), who crossed which line which way, and per window the figures of
 * {@link SceneWindow}. {@link #update} returns the events of a frame; {@link #closeWindow} the
 * window's figures since the last close, and starts the next window.
 *
 * <p>Zones: an object is in once its anchor was inside in {@code inertia} consecutive frames it was
 * seen in, and out once it was outside in as many; its visit runs from when it crossed the boundary
 * before the first of the frames that made it in (on the straight line between the frame before, where
 * it was seen outside, and that frame) to when it crossed it before the first of those that made it out,
 * so a visit's length does not depend on the frame rate or on a frame the detector missed. A lost object keeps its place (a missed
 * detection does not flip a zone); an object removed while in leaves at its last frame seen. Occupancy
 * is the number of objects in after each frame, its mean weighted by the time to the next frame.
 *
 * <p>Memory: state is kept per live object only and dropped when the tracker removes it; the per-window
 * figures grow with classes and with the visits that end in the window. Not thread-safe.
 */
public final class Scene {

    private final List<ZoneOptions> zoneOptions;
    private final List<LineOptions> lineOptions;
    private final Map<Long, ObjectState> objects = new HashMap<>();
    private final ZoneTally[] zoneTallies;
    private final LineTally[] lineTallies;
    private final Map<String, long[]> classTallies = new LinkedHashMap<>();
    // geometry in pixels, for the last frame size
    private int width = -1;
    private int height = -1;
    private double[][] zx;
    private double[][] zy;
    private double[][] lines;
    private long window;
    private long windowStart = Long.MIN_VALUE;
    private long lastNanos = Long.MIN_VALUE;
    private long fragments;

    public Scene(List<ZoneOptions> zones, List<LineOptions> lines) {
        this.zoneOptions = List.copyOf(zones);
        this.lineOptions = List.copyOf(lines);
        this.zoneTallies = new ZoneTally[zones.size()];
        for (int i = 0; i < zoneTallies.length; i++) {
            zoneTallies[i] = new ZoneTally();
        }
        this.lineTallies = new LineTally[lines.size()];
        for (int i = 0; i < lineTallies.length; i++) {
            lineTallies[i] = new LineTally();
        }
    }

    /** What is kept of one live object. */
    private static final class ObjectState {
        final String className;
        long window = -1;
        final boolean[] in;
        final int[] run;
        final long[] runStart;
        final long[] visitStart;
        /** Per zone, the anchor and time of the last frame it was seen in (-1 before any). */
        final double[] lastX;
        final double[] lastY;
        final long[] lastT;
        final boolean[] loitered;
        /** -1 out, +1 in, 0 not yet on a side. */
        final int[] side;
        final double[] sideX;
        final double[] sideY;

        ObjectState(String className, int zones, int lines) {
            this.className = className;
            in = new boolean[zones];
            run = new int[zones];
            runStart = new long[zones];
            visitStart = new long[zones];
            lastX = new double[zones];
            lastY = new double[zones];
            lastT = new long[zones];
            Arrays.fill(lastT, -1);
            loitered = new boolean[zones];
            side = new int[lines];
            sideX = new double[lines];
            sideY = new double[lines];
        }
    }

    private static final class ZoneTally {
        int occupancy;
        int max;
        double integral;
        long entries;
        long exits;
        boolean crowded;
        final List<Double> dwell = new ArrayList<>();
    }

    private static final class LineTally {
        final Map<String, Long> in = new HashMap<>();
        final Map<String, Long> out = new HashMap<>();
    }

    /**
     * Takes one frame's tracks.
     *
     * @param frameWidth the frame's width in pixels (what relative points are scaled by)
     * @param frameHeight its height
     * @return the events of this frame, in order
     */
    public List<SceneEvent> update(TrackUpdate update, int frameWidth, int frameHeight) {
        long now = update.timeNanos();
        if (windowStart == Long.MIN_VALUE) {
            windowStart = now;
        }
        if (lastNanos != Long.MIN_VALUE && now > lastNanos) {
            for (ZoneTally z : zoneTallies) {
                z.integral += z.occupancy * ((now - lastNanos) / 1e9);
            }
        }
        lastNanos = Math.max(now, lastNanos);
        scale(frameWidth, frameHeight);
        fragments += update.refound();
        List<SceneEvent> events = new ArrayList<>(0);
        for (TrackedObject o : update.objects()) {
            ObjectState s = objects.get(o.id());
            if (s == null) {
                s = new ObjectState(o.className(), zoneTallies.length, lineTallies.length);
                objects.put(o.id(), s);
            }
            if (!o.seen()) {
                continue;
            }
            long[] c = classTallies.computeIfAbsent(o.className(), k -> new long[2]);
            if (s.window != window) {
                s.window = window;
                c[0]++;
            }
            zones(o, s, now, events);
            lines(o, s, now, events);
        }
        for (Long id : update.begun()) {
            ObjectState s = objects.get(id);
            if (s != null) {
                classTallies.computeIfAbsent(s.className, k -> new long[2])[1]++;
            }
        }
        for (TrackedObject o : update.removed()) {
            ObjectState s = objects.remove(o.id());
            if (s == null) {
                continue;
            }
            for (int z = 0; z < zoneTallies.length; z++) {
                if (s.in[z]) {
                    leave(z, o, s, o.lastSeenNanos(), events);
                }
            }
        }
        for (int z = 0; z < zoneTallies.length; z++) {
            ZoneTally t = zoneTallies[z];
            ZoneOptions zo = zoneOptions.get(z);
            t.max = Math.max(t.max, t.occupancy);
            if (zo.crowd() > 0 && t.occupancy > zo.crowd() != t.crowded) {
                t.crowded = !t.crowded;
                events.add(new SceneEvent.Crowd(now, zo.name(), t.occupancy, t.crowded));
            }
            if (!zo.loiter().isZero()) {
                long after = zo.loiter().toNanos();
                for (Map.Entry<Long, ObjectState> e : objects.entrySet()) {
                    ObjectState s = e.getValue();
                    if (s.in[z] && !s.loitered[z] && now - s.visitStart[z] >= after) {
                        s.loitered[z] = true;
                        events.add(new SceneEvent.Loitering(now, zo.name(), e.getKey(), s.className,
                                Duration.ofNanos(now - s.visitStart[z])));
                    }
                }
            }
        }
        return events;
    }

    private void zones(TrackedObject o, ObjectState s, long now, List<SceneEvent> events) {
        for (int z = 0; z < zoneTallies.length; z++) {
            ZoneOptions zo = zoneOptions.get(z);
            if (!zo.classes().isEmpty() && !zo.classes().contains(o.className())) {
                continue;
            }
            Box b = o.box();
            double px = zo.anchor().x(b);
            double py = zo.anchor().y(b);
            boolean inside = contains(zx[z], zy[z], px, py);
            boolean wasInside = s.lastT[z] >= 0 && contains(zx[z], zy[z], s.lastX[z], s.lastY[z]);
            long lastT = s.lastT[z];
            double lastX = s.lastX[z];
            double lastY = s.lastY[z];
            s.lastX[z] = px;
            s.lastY[z] = py;
            s.lastT[z] = now;
            if (inside == s.in[z]) {
                s.run[z] = 0;
                continue;
            }
            if (s.run[z]++ == 0) {
                // when it crossed the boundary: between the last frame it was seen on the other side and this one
                s.runStart[z] = lastT >= 0 && wasInside != inside
                        ? lastT + Math.round((now - lastT) * boundary(zx[z], zy[z], lastX, lastY, px, py)) : now;
            }
            if (s.run[z] < zo.inertia()) {
                continue;
            }
            s.run[z] = 0;
            if (inside) {
                s.in[z] = true;
                s.visitStart[z] = s.runStart[z];
                s.loitered[z] = false;
                ZoneTally t = zoneTallies[z];
                t.entries++;
                t.occupancy++;
                events.add(new SceneEvent.ZoneEntered(s.runStart[z], zo.name(), o.id(), o.className()));
            } else {
                leave(z, o, s, s.runStart[z], events);
            }
        }
    }

    private void leave(int z, TrackedObject o, ObjectState s, long at, List<SceneEvent> events) {
        ZoneTally t = zoneTallies[z];
        s.in[z] = false;
        t.exits++;
        t.occupancy--;
        Duration dwell = Duration.ofNanos(Math.max(0, at - s.visitStart[z]));
        t.dwell.add(dwell.toNanos() / 1e9);
        events.add(new SceneEvent.ZoneExited(at, zoneOptions.get(z).name(), o.id(), o.className(), dwell));
    }

    private void lines(TrackedObject o, ObjectState s, long now, List<SceneEvent> events) {
        for (int l = 0; l < lineTallies.length; l++) {
            LineOptions lo = lineOptions.get(l);
            if (!lo.classes().isEmpty() && !lo.classes().contains(o.className())) {
                continue;
            }
            double[] g = lines[l];
            Box b = o.box();
            double px = lo.anchor().x(b);
            double py = lo.anchor().y(b);
            // signed distance: negative on the left-hand side as shown (y down), which is "in"
            double d = ((g[2] - g[0]) * (py - g[1]) - (g[3] - g[1]) * (px - g[0])) / g[4];
            if (Math.abs(d) <= 0.1 * b.height()) {
                continue;
            }
            int side = d < 0 ? 1 : -1;
            if (s.side[l] != 0 && side != s.side[l] && throughSegment(g, s.sideX[l], s.sideY[l], px, py)) {
                LineTally t = lineTallies[l];
                (side > 0 ? t.in : t.out).merge(o.className(), 1L, Long::sum);
                events.add(new SceneEvent.LineCrossed(now, lo.name(), o.id(), o.className(), side > 0));
            }
            s.side[l] = side;
            s.sideX[l] = px;
            s.sideY[l] = py;
        }
    }

    /** Whether the move (ax, ay) → (bx, by), whose ends are on opposite sides of the line, passes through its segment. */
    private static boolean throughSegment(double[] g, double ax, double ay, double bx, double by) {
        double mx = bx - ax;
        double my = by - ay;
        double lx = g[2] - g[0];
        double ly = g[3] - g[1];
        double denom = mx * ly - my * lx;
        if (denom == 0) {
            return false;
        }
        // where along the segment (0..1) the move meets the line
        double t = (mx * (ay - g[1]) - my * (ax - g[0])) / denom;
        return t >= 0 && t <= 1;
    }

    /**
     * Where along the move (ax, ay) → (bx, by) it first meets the polygon's boundary, 0..1 (1 when it does not:
     * the move's end).
     */
    private static double boundary(double[] xs, double[] ys, double ax, double ay, double bx, double by) {
        double best = 1;
        double mx = bx - ax;
        double my = by - ay;
        for (int i = 0, j = xs.length - 1; i < xs.length; j = i++) {
            double ex = xs[i] - xs[j];
            double ey = ys[i] - ys[j];
            double denom = mx * ey - my * ex;
            if (denom == 0) {
                continue;
            }
            double qx = xs[j] - ax;
            double qy = ys[j] - ay;
            double t = (qx * ey - qy * ex) / denom;
            double u = (qx * my - qy * mx) / denom;
            if (t >= 0 && t <= 1 && u >= 0 && u <= 1) {
                best = Math.min(best, t);
            }
        }
        return best;
    }

    /** Even-odd rule. */
    private static boolean contains(double[] xs, double[] ys, double x, double y) {
        boolean inside = false;
        for (int i = 0, j = xs.length - 1; i < xs.length; j = i++) {
            if ((ys[i] > y) != (ys[j] > y) && x < (xs[j] - xs[i]) * (y - ys[i]) / (ys[j] - ys[i]) + xs[i]) {
                inside = !inside;
            }
        }
        return inside;
    }

    private void scale(int w, int h) {
        if (w == width && h == height) {
            return;
        }
        width = w;
        height = h;
        zx = new double[zoneOptions.size()][];
        zy = new double[zoneOptions.size()][];
        for (int z = 0; z < zx.length; z++) {
            ZoneOptions zo = zoneOptions.get(z);
            double sx = zo.relative() ? w : 1;
            double sy = zo.relative() ? h : 1;
            zx[z] = zo.polygon().stream().mapToDouble(p -> p.x() * sx).toArray();
            zy[z] = zo.polygon().stream().mapToDouble(p -> p.y() * sy).toArray();
        }
        lines = new double[lineOptions.size()][];
        for (int l = 0; l < lines.length; l++) {
            LineOptions lo = lineOptions.get(l);
            double sx = lo.relative() ? w : 1;
            double sy = lo.relative() ? h : 1;
            double x1 = lo.from().x() * sx;
            double y1 = lo.from().y() * sy;
            double x2 = lo.to().x() * sx;
            double y2 = lo.to().y() * sy;
            lines[l] = new double[] {x1, y1, x2, y2, Math.hypot(x2 - x1, y2 - y1)};
        }
    }

    /**
     * The figures since the last close (or the first update), up to {@code endNanos} on the tracker's clock,
     * and a new window from there.
     */
    public SceneWindow closeWindow(long endNanos) {
        long start = windowStart == Long.MIN_VALUE ? endNanos : windowStart;
        double seconds = Math.max(0, (endNanos - start) / 1e9);
        List<SceneWindow.Zone> zones = new ArrayList<>();
        for (int z = 0; z < zoneTallies.length; z++) {
            ZoneTally t = zoneTallies[z];
            if (lastNanos != Long.MIN_VALUE && endNanos > lastNanos) {
                t.integral += t.occupancy * ((endNanos - lastNanos) / 1e9);
            }
            int open = 0;
            double ageSum = 0;
            double ageMax = 0;
            for (ObjectState s : objects.values()) {
                if (s.in[z]) {
                    open++;
                    double age = Math.max(0, (endNanos - s.visitStart[z]) / 1e9);
                    ageSum += age;
                    ageMax = Math.max(ageMax, age);
                }
            }
            zones.add(new SceneWindow.Zone(zoneOptions.get(z).name(), Math.max(t.max, t.occupancy),
                    seconds > 0 ? t.integral / seconds : t.occupancy, t.entries, t.exits, dwell(t.dwell), open,
                    open > 0 ? ageSum / open : 0, ageMax));
            t.max = t.occupancy;
            t.integral = 0;
            t.entries = 0;
            t.exits = 0;
            t.dwell.clear();
        }
        List<SceneWindow.Line> lineFigures = new ArrayList<>();
        for (int l = 0; l < lineTallies.length; l++) {
            LineTally t = lineTallies[l];
            lineFigures.add(new SceneWindow.Line(lineOptions.get(l).name(), t.in, t.out));
            t.in.clear();
            t.out.clear();
        }
        Map<String, SceneWindow.ClassObjects> classes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, long[]>> it = classTallies.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, long[]> e = it.next();
            classes.put(e.getKey(), new SceneWindow.ClassObjects(e.getValue()[0], e.getValue()[1]));
            it.remove();
        }
        SceneWindow w = new SceneWindow(seconds, classes, zones, lineFigures, fragments);
        fragments = 0;
        window++;
        windowStart = endNanos;
        if (lastNanos != Long.MIN_VALUE) {
            lastNanos = Math.max(lastNanos, endNanos);
        }
        return w;
    }

    private static SceneWindow.Dwell dwell(List<Double> seconds) {
        if (seconds.isEmpty()) {
            return SceneWindow.Dwell.NONE;
        }
        double[] s = seconds.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        double sum = 0;
        for (double x : s) {
            sum += x;
        }
        int rank = (int) Math.ceil(0.95 * s.length);
        return new SceneWindow.Dwell(s.length, sum / s.length, s[Math.max(0, rank - 1)], s[s.length - 1]);
    }

    /** Objects whose state is kept now (live tracks that have counted). */
    public int heldObjects() {
        return objects.size();
    }
}
