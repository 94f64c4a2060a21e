package io.edgewatch.testkit.mot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Sequences of boxes with known ids, for trackers: objects walk across the frame at constant velocities
 * (entering at one edge, leaving at the other), pass in front of each other (the one lower in the frame is in
 * front), and behind an occluder; a detector is simulated on them. What it emits per frame: the ground truth
 * (every object in the frame, with how much of it is visible) and the detections: an object at least 70 %
 * visible is detected with confidence 0.5–0.95 unless dropped at random, one 30–70 % visible with 0.12–0.24
 * (the low boxes ByteTrack's second pass is for), one less visible not at all; every box jittered; and false
 * positives, one frame each. Deterministic for a seed.
 *
 * <p>Ground truth of what is counted comes from the true boxes, without noise: {@link Sequence#lineCrossings}
 * and {@link Sequence#zoneVisits}.
 */
public final class SyntheticTracks {

    private SyntheticTracks() {
    }

    /** One object's straight walk: from {@code (x0, bottom0)} (its bottom centre, pixels) at {@code vx, vy} px/s. */
    public record Walker(long id, String className, double startSeconds, double x0, double bottom0, double vx,
                         double vy, double width, double height) {

        double x(double t) {
            return x0 + vx * (t - startSeconds);
        }

        double bottom(double t) {
            return bottom0 + vy * (t - startSeconds);
        }
    }

    /** A rectangle that hides what is behind it (a pillar). */
    public record Occluder(double left, double top, double right, double bottom) {
    }

    /**
     * What to generate.
     *
     * @param jitter standard deviation of a detection's position (pixels; half of it for its size)
     * @param dropRate chance a detectable object is missed in a frame
     * @param falsePositives false boxes per frame, on average
     */
    public record Scenario(String name, int width, int height, double fps, double seconds, long seed,
                           List<Walker> walkers, List<Occluder> occluders, double jitter, double dropRate,
                           double falsePositives) {

        public Scenario {
            walkers = List.copyOf(walkers);
            occluders = List.copyOf(occluders);
        }

        public Scenario atFps(double rate) {
            return new Scenario(name, width, height, rate, seconds, seed, walkers, occluders, jitter, dropRate,
                    falsePositives);
        }

        public Scenario withSeed(long value) {
            return new Scenario(name, width, height, fps, seconds, value, walkers, occluders, jitter, dropRate,
                    falsePositives);
        }

        public Scenario withNoise(double jitterPx, double drop, double falsePerFrame) {
            return new Scenario(name, width, height, fps, seconds, seed, walkers, occluders, jitterPx, drop,
                    falsePerFrame);
        }
    }

    /** A detection of the simulated detector: a box (top-left, size) with its class and confidence. */
    public record Detection(String className, double confidence, double left, double top, double width,
                            double height) {
    }

    /** One frame: its number (from 1), time, ground truth (with {@link #visibility}) and detections. */
    public record Frame(int number, double seconds, List<MotRow> truth, List<Double> visibility,
                        List<Detection> detections) {
    }

    /** Crossings of one line by class: {@code in} toward the left-hand side seen from its start to its end, as shown. */
    public record Crossings(Map<String, Integer> in, Map<String, Integer> out) {
        public int total() {
            return in.values().stream().mapToInt(Integer::intValue).sum() + out.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** One visit of one object to a zone, by its bottom centre (see {@link Sequence#zoneVisits}). */
    public record Visit(long id, String className, double fromSeconds, double toSeconds) {
        public double seconds() {
            return toSeconds - fromSeconds;
        }
    }

    /** A generated sequence. */
    public record Sequence(Scenario scenario, List<Frame> frames) {

        /** Every ground-truth row: objects at least half visible are to be considered, the others are not (their flag). */
        public List<MotRow> truth() {
            List<MotRow> out = new ArrayList<>();
            for (Frame f : frames) {
                out.addAll(f.truth());
            }
            return out;
        }

        /** The MOTChallenge ground-truth file's lines. */
        public List<String> truthLines() {
            return truth().stream().map(MotRow::line).toList();
        }

        /** Crossings of the true bottom centres through the segment (x1, y1) → (x2, y2), pixels. */
        public Crossings lineCrossings(double x1, double y1, double x2, double y2) {
            Map<String, Integer> in = new HashMap<>();
            Map<String, Integer> out = new HashMap<>();
            // per object, its last point off the line
            Map<Long, double[]> last = new HashMap<>();
            for (Frame f : frames) {
                for (MotRow r : f.truth()) {
                    double px = r.left() + r.width() / 2;
                    double py = r.bottom();
                    double s1 = side(x1, y1, x2, y2, px, py);
                    if (s1 == 0) {
                        continue;
                    }
                    double[] prev = last.put(r.id(), new double[] {px, py});
                    if (prev == null) {
                        continue;
                    }
                    double s0 = side(x1, y1, x2, y2, prev[0], prev[1]);
                    double a0 = side(prev[0], prev[1], px, py, x1, y1);
                    double a1 = side(prev[0], prev[1], px, py, x2, y2);
                    if (s0 * s1 < 0 && a0 * a1 <= 0) {
                        (s1 < 0 ? in : out).merge(r.className(), 1, Integer::sum);
                    }
                }
            }
            return new Crossings(in, out);
        }

        /**
         * Visits of the true bottom centres to a polygon (pixels, x and y alternating): from when the path crosses
         * into it to when it crosses out (the motion is straight between two frames, so this is exact), or to its
         * last frame when it leaves the picture inside.
         */
        public List<Visit> zoneVisits(double... polygon) {
            List<Visit> visits = new ArrayList<>();
            Map<Long, Double> since = new HashMap<>();
            Map<Long, double[]> last = new HashMap<>();
            Map<Long, String> classes = new HashMap<>();
            for (Frame f : frames) {
                for (MotRow r : f.truth()) {
                    double px = r.left() + r.width() / 2;
                    double py = r.bottom();
                    boolean inside = inside(polygon, px, py);
                    double[] prev = last.put(r.id(), new double[] {px, py, f.seconds()});
                    classes.put(r.id(), r.className());
                    Double s = since.get(r.id());
                    double at = prev == null ? f.seconds() : prev[2] + (f.seconds() - prev[2]) * meet(polygon, prev[0], prev[1], px, py);
                    if (inside && s == null) {
                        since.put(r.id(), at);
                    } else if (!inside && s != null) {
                        visits.add(new Visit(r.id(), r.className(), s, at));
                        since.remove(r.id());
                    }
                }
            }
            since.forEach((id, s) -> visits.add(new Visit(id, classes.get(id), s, last.get(id)[2])));
            return visits;
        }
    }

    /** Where (0..1) the move (ax, ay) → (bx, by) first meets a polygon's edge; 1 when it does not. */
    static double meet(double[] polygon, double ax, double ay, double bx, double by) {
        int n = polygon.length / 2;
        double best = 1;
        for (int i = 0; i < n; i++) {
            double cx = polygon[2 * i];
            double cy = polygon[2 * i + 1];
            double dx = polygon[2 * ((i + 1) % n)];
            double dy = polygon[2 * ((i + 1) % n) + 1];
            // a + t (b - a) = c + u (d - c)
            double rx = bx - ax;
            double ry = by - ay;
            double sx = dx - cx;
            double sy = dy - cy;
            double cross = rx * sy - ry * sx;
            if (cross == 0) {
                continue;
            }
            double t = ((cx - ax) * sy - (cy - ay) * sx) / cross;
            double u = ((cx - ax) * ry - (cy - ay) * rx) / cross;
            if (t >= 0 && t <= 1 && u >= 0 && u <= 1) {
                best = Math.min(best, t);
            }
        }
        return best;
    }

    /** Negative on the left-hand side of a → b as shown (y down). */
    static double side(double ax, double ay, double bx, double by, double px, double py) {
        return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
    }

    static boolean inside(double[] polygon, double x, double y) {
        int n = polygon.length / 2;
        boolean in = false;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double xi = polygon[2 * i];
            double yi = polygon[2 * i + 1];
            double xj = polygon[2 * j];
            double yj = polygon[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) {
                in = !in;
            }
        }
        return in;
    }

    /** Generates the sequence. */
    public static Sequence generate(Scenario s) {
        Random random = new Random(s.seed());
        int count = (int) Math.round(s.seconds() * s.fps());
        List<Frame> frames = new ArrayList<>(count);
        String[] falseClasses = s.walkers().stream().map(Walker::className).distinct().toArray(String[]::new);
        for (int n = 1; n <= count; n++) {
            double t = (n - 1) / s.fps();
            List<MotRow> boxes = new ArrayList<>();
            for (Walker w : s.walkers()) {
                if (t < w.startSeconds()) {
                    continue;
                }
                double left = w.x(t) - w.width() / 2;
                double top = w.bottom(t) - w.height();
                if (left < 0 || top < 0 || left + w.width() > s.width() || top + w.height() > s.height()) {
                    continue; // walks in and out at the edges: in the frame only when wholly in it
                }
                boxes.add(new MotRow(n, w.id(), left, top, w.width(), w.height(), true, w.className()));
            }
            // nearer the camera (lower in the frame) in front
            List<MotRow> byDepth = new ArrayList<>(boxes);
            byDepth.sort((a, b) -> Double.compare(b.bottom(), a.bottom()));
            List<MotRow> truth = new ArrayList<>();
            List<Double> visibility = new ArrayList<>();
            List<Detection> detections = new ArrayList<>();
            for (int k = 0; k < byDepth.size(); k++) {
                MotRow b = byDepth.get(k);
                double v = visible(b, byDepth.subList(0, k), s.occluders());
                truth.add(new MotRow(b.frame(), b.id(), b.left(), b.top(), b.width(), b.height(), v >= 0.5, b.className()));
                visibility.add(v);
                double confidence;
                if (v >= 0.7) {
                    if (random.nextDouble() < s.dropRate()) {
                        continue;
                    }
                    confidence = 0.5 + 0.45 * random.nextDouble();
                } else if (v >= 0.3) {
                    confidence = 0.12 + 0.12 * random.nextDouble();
                } else {
                    continue;
                }
                detections.add(new Detection(b.className(), confidence,
                        b.left() + s.jitter() * random.nextGaussian(), b.top() + s.jitter() * random.nextGaussian(),
                        b.width() * (1 + s.jitter() / 2 * random.nextGaussian() / b.width()),
                        b.height() * (1 + s.jitter() / 2 * random.nextGaussian() / b.height())));
            }
            double fp = s.falsePositives();
            while (fp > 0) {
                if (random.nextDouble() < Math.min(fp, 1)) {
                    double w = 30 + 40 * random.nextDouble();
                    double h = 60 + 60 * random.nextDouble();
                    detections.add(new Detection(falseClasses[random.nextInt(falseClasses.length)],
                            0.3 + 0.3 * random.nextDouble(), random.nextDouble() * (s.width() - w),
                            random.nextDouble() * (s.height() - h), w, h));
                }
                fp -= 1;
            }
            Collections.shuffle(detections, random);
            // by id, the visibility with its row
            Integer[] order = new Integer[truth.size()];
            for (int k = 0; k < order.length; k++) {
                order[k] = k;
            }
            Arrays.sort(order, (a, b) -> Long.compare(truth.get(a).id(), truth.get(b).id()));
            List<MotRow> sortedTruth = new ArrayList<>();
            List<Double> sortedVisibility = new ArrayList<>();
            for (int k : order) {
                sortedTruth.add(truth.get(k));
                sortedVisibility.add(visibility.get(k));
            }
            frames.add(new Frame(n, t, sortedTruth, sortedVisibility, detections));
        }
        return new Sequence(s, frames);
    }

    /** The share of a box not hidden by what is in front of it, on a 10 × 10 grid of its points. */
    private static double visible(MotRow b, List<MotRow> front, List<Occluder> occluders) {
        int seen = 0;
        for (int i = 0; i < 10; i++) {
            double x = b.left() + (i + 0.5) * b.width() / 10;
            for (int j = 0; j < 10; j++) {
                double y = b.top() + (j + 0.5) * b.height() / 10;
                boolean hidden = false;
                for (Occluder o : occluders) {
                    hidden |= x >= o.left() && x <= o.right() && y >= o.top() && y <= o.bottom();
                }
                for (MotRow f : front) {
                    hidden |= x >= f.left() && x <= f.right() && y >= f.top() && y <= f.bottom();
                }
                if (!hidden) {
                    seen++;
                }
            }
        }
        return seen / 100.0;
    }

    /**
     * A hall 1280 × 720 watched for {@code seconds}: people (40 × 100) and now and then a cart (80 × 60) walking
     * across both ways at 90–150 px/s, a new one every 1.2 s until 15 s before the end (so that the hall is empty at the end), anywhere on the floor (bottom 300–680, drifting up
     * to 10 px/s), so people going opposite ways pass in front of each other, some at nearly the same depth;
     * and a pillar 140 px wide in the middle of the frame that hides each walker for about a second. Jitter 2 px,
     * 5 % of detections dropped, 0.05 false positives per frame.
     */
    public static Scenario hall(double fps, double seconds, long seed) {
        return walkers("hall", fps, seconds, seed, false);
    }

    /**
     * The occlusion case: the hall's pillar, walkers and noise, but walking straight on five lanes of the floor
     * 80 px apart (bottom 320–640), those going right on three, those going left on the two between, each lane at
     * its own speed (90–150 px/s): people going opposite ways pass in front of each other, the one in front hiding
     * a fifth of the one behind, nobody overtakes, and everyone is hidden by the pillar for about a second.
     */
    public static Scenario occlusion(double fps, double seconds, long seed) {
        return walkers("occlusion", fps, seconds, seed, true);
    }

    private static Scenario walkers(String name, double fps, double seconds, long seed, boolean lanes) {
        Random r = new Random(seed);
        List<Walker> walkers = new ArrayList<>();
        long id = 1;
        for (double t = 0; t < seconds - 15; t += 1.2) {
            boolean right = id % 2 == 1;
            int lane = right ? 2 * r.nextInt(3) : 1 + 2 * r.nextInt(2);
            double speed = lanes ? 90 + 15 * lane : 90 + 60 * r.nextDouble();
            double bottom = lanes ? 320 + 80 * lane : 300 + 380 * r.nextDouble();
            double vy = lanes ? 0 : (r.nextDouble() - 0.5) * 20;
            String cls = r.nextInt(6) == 0 ? "cart" : "person";
            double w = cls.equals("cart") ? 80 : 40;
            double h = cls.equals("cart") ? 60 : 100;
            walkers.add(new Walker(id++, cls, t, right ? w / 2 + 1 : 1280 - w / 2 - 1, bottom, right ? speed : -speed, vy,
                    w, h));
        }
        return new Scenario(name, 1280, 720, fps, seconds, seed, walkers,
                List.of(new Occluder(570, 0, 710, 720)), 2.0, 0.05, 0.05);
    }
}
