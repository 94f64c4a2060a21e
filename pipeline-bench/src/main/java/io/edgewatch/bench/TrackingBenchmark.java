package io.edgewatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.track.LineOptions;
import io.edgewatch.core.track.Point;
import io.edgewatch.core.track.Scene;
import io.edgewatch.core.track.TrackUpdate;
import io.edgewatch.core.track.Tracker;
import io.edgewatch.core.track.TrackerOptions;
import io.edgewatch.core.track.ZoneOptions;

/**
 * What tracking costs per frame, on one thread: the tracker (ByteTrack, per class) alone, and the tracker with
 * a camera's scene (two zones and a line), at 10, 50 and 200 objects in a 1920 × 1080 frame at 10 fps. The
 * objects walk at constant velocities and turn back at the edges, in two classes; their boxes are jittered by
 * 2 px, 5 % are dropped, and one in ten frames has a false box. The detections are made before the clock starts.
 * After a warm-up, each size runs in turn {@value #RUNS} times over {@value #FRAMES} frames; the figure is the
 * median CPU time of the thread per frame (target: under 0.1 ms at 50 objects), so that a busy machine's
 * other work does not count. Usage: {@code TrackingBenchmark [runs]}.
 */
public final class TrackingBenchmark {

    private static final int FRAMES = 3000;
    private static final int RUNS = 7;
    private static final int[] SIZES = {10, 50, 200};
    private static final long STEP = 100_000_000L;
    /** The thread's own CPU time: on a shared machine, time waiting for a core is not the tracker's. */
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private TrackingBenchmark() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : RUNS;
        System.out.printf(Locale.ROOT, "edgewatch tracking benchmark: %d frames at 10 fps, 1920x1080, median of %d runs, the thread's CPU time (%s)%n",
                FRAMES, runs, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        List<List<List<Prediction>>> scenes = new ArrayList<>();
        for (int n : SIZES) {
            scenes.add(detections(n, 29 + n));
        }
        double[][] trackerOnly = new double[SIZES.length][runs];
        double[][] withScene = new double[SIZES.length][runs];
        for (int k = 0; k < SIZES.length; k++) { // warm-up
            run(scenes.get(k), false);
            run(scenes.get(k), true);
        }
        long ids = 0;
        for (int r = 0; r < runs; r++) {
            for (int k = 0; k < SIZES.length; k++) {
                long[] out = new long[1];
                trackerOnly[k][r] = run(scenes.get(k), false, out);
                withScene[k][r] = run(scenes.get(k), true, out);
                ids = Math.max(ids, out[0]);
            }
        }
        for (int k = 0; k < SIZES.length; k++) {
            double t = median(trackerOnly[k]);
            double s = median(withScene[k]);
            System.out.printf(Locale.ROOT, "  %3d objects: tracker %7.1f µs/frame, with 2 zones and a line %7.1f µs/frame%s%n",
                    SIZES[k], t, s, SIZES[k] == 50 ? String.format(Locale.ROOT, "   (target < 100 µs: %s)", t < 100 ? "met" : "MISSED") : "");
        }
    }

    private static double run(List<List<Prediction>> frames, boolean scene) {
        return run(frames, scene, new long[1]);
    }

    /** Microseconds per frame. */
    private static double run(List<List<Prediction>> frames, boolean withScene, long[] ids) {
        Tracker tracker = Tracker.create(TrackerOptions.defaults());
        Scene scene = new Scene(List.of(
                ZoneOptions.of("bay", true, new Point(0.1, 0.5), new Point(0.6, 0.5), new Point(0.6, 1.0), new Point(0.1, 1.0)),
                ZoneOptions.of("dock", true, new Point(0.6, 0.1), new Point(0.9, 0.1), new Point(0.95, 0.6), new Point(0.65, 0.5))),
                List.of(LineOptions.of("door", true, new Point(0.5, 0.0), new Point(0.5, 1.0))));
        long sink = 0;
        long start = CPU.getCurrentThreadCpuTime();
        long now = 0;
        for (List<Prediction> f : frames) {
            TrackUpdate u = tracker.update(now, 1920, 1080, f);
            if (withScene) {
                sink += scene.update(u, 1920, 1080).size();
            }
            sink += u.objects().size();
            now += STEP;
        }
        double micros = (CPU.getCurrentThreadCpuTime() - start) / 1e3 / frames.size();
        ids[0] = tracker.lastId() + (sink & 0);
        return micros;
    }

    private static List<List<Prediction>> detections(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        double[] y = new double[n];
        double[] vx = new double[n];
        double[] vy = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 40 + r.nextDouble() * 1840;
            y[i] = 60 + r.nextDouble() * 960;
            vx[i] = (r.nextDouble() - 0.5) * 300;
            vy[i] = (r.nextDouble() - 0.5) * 100;
        }
        List<List<Prediction>> frames = new ArrayList<>(FRAMES);
        for (int f = 0; f < FRAMES; f++) {
            List<Prediction> d = new ArrayList<>(n + 1);
            for (int i = 0; i < n; i++) {
                x[i] += vx[i] * 0.1;
                y[i] += vy[i] * 0.1;
                if (x[i] < 20 || x[i] > 1900) {
                    vx[i] = -vx[i];
                }
                if (y[i] < 45 || y[i] > 1035) {
                    vy[i] = -vy[i];
                }
                if (r.nextDouble() < 0.05) {
                    continue;
                }
                d.add(Prediction.detection(i % 4 == 0 ? "forklift" : "person", 0.3 + 0.65 * r.nextDouble(),
                        new Box(x[i] + 2 * r.nextGaussian(), y[i] + 2 * r.nextGaussian(), 40 + r.nextGaussian(), 90 + r.nextGaussian())));
            }
            if (r.nextInt(10) == 0) {
                d.add(Prediction.detection("person", 0.4, new Box(r.nextDouble() * 1900, r.nextDouble() * 1000, 50, 100)));
            }
            frames.add(d);
        }
        return frames;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
