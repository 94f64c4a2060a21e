package io.edgewatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.inference.BlockingDetector;
import io.edgewatch.inference.Detectors;
import io.edgewatch.inference.opencv.HogOptions;
import io.edgewatch.inference.opencv.OpenCvDetectors;
import io.edgewatch.testkit.SyntheticClip;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Throughput of the pipeline against bare loops over the same input, measured in the same run and
 * printed as ratios. Each figure is the median of several alternating runs after a warm-up run.
 *
 * <ol>
 *   <li>decode: file source, no-op detector, window aggregator, JSONL sink, against a bare
 *       FFmpegFrameGrabber loop (grab and convert to a Mat), on {@code vtest.avi} and on a 1080p
 *       H.264 clip made here;</li>
 *   <li>HOG: the HOG people detector through the pipeline (one detector per worker, as many workers
 *       as cores) against a single-threaded loop over the same decoded frames.</li>
 * </ol>
 * Usage: {@code PipelineBenchmark [fixturesDir] [runs]}.
 */
public final class PipelineBenchmark {

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path fixtures = Path.of(args.length > 0 ? args[0] : "../shared/fixtures");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("edgewatch-bench");
        System.out.printf(Locale.ROOT, "edgewatch pipeline benchmark: %d cores, %d runs per figure (median), JVM %s%n",
                cores, runs, System.getProperty("java.version"));

        Path vtest = fixtures.resolve("vtest.avi");
        Path hd = work.resolve("clip-1080p-h264.mp4");
        long t0 = System.nanoTime();
        SyntheticClip.write(hd, 1920, 1080, 25, 250, SyntheticClip.Codec.H264);
        System.out.printf(Locale.ROOT, "made %s (1920x1080 H.264, 250 frames) in %.1f s%n", hd.getFileName(),
                (System.nanoTime() - t0) / 1e9);

        opencv_core.setNumThreads(1);
        System.out.println();
        System.out.println("1. decode: pipeline (file -> no-op detector -> aggregator -> JSONL) vs bare grab loop");
        for (Path clip : List.of(vtest, hd)) {
            if (!Files.isReadable(clip)) {
                System.out.println("   " + clip + ": not found, skipped (pass the fixtures folder as first argument)");
                continue;
            }
            List<BenchSupport.Result> r = BenchSupport.measure(runs, () -> bareGrabLoop(clip, false), () -> bareGrabLoop(clip, true),
                    () -> BenchSupport.pipeline(clip, Detectors.noop("noop"), Integer.MAX_VALUE, cores, work));
            BenchSupport.Result bare = r.get(0);
            BenchSupport.Result copying = r.get(1);
            BenchSupport.Result pipe = r.get(2);
            System.out.printf(Locale.ROOT, "   %-24s bare %7.1f fps   pipeline %7.1f fps   ratio %.3f (target >= 0.9)"
                    + "   [bare loop that also copies each frame: %7.1f fps, ratio %.3f]%n",
                    clip.getFileName(), bare.fps(), pipe.fps(), pipe.fps() / bare.fps(), copying.fps(), pipe.fps() / copying.fps());
        }

        if (Files.isReadable(vtest)) {
            int frames = 60;
            System.out.println();
            System.out.printf(Locale.ROOT, "2. HOG people detector on the first %d frames of vtest.avi%n", frames);
            List<Mat> decoded = BenchSupport.decode(vtest, frames);
            int bestPerCall = cores;
            opencv_core.setNumThreads(1);
            BenchSupport.Result loop1 = BenchSupport.measure(Math.max(1, runs / 2), () -> hogLoop(decoded)).get(0);
            opencv_core.setNumThreads(cores);
            BenchSupport.Result internal = BenchSupport.measure(Math.max(1, runs / 2), () -> hogLoop(decoded)).get(0);
            System.out.printf(Locale.ROOT, "   loop, OpenCV threads 1 %6.2f fps   loop, OpenCV's own %d threads %6.2f fps%n",
                    loop1.fps(), cores, internal.fps());
            // the pipeline as the daemon wires it (the detector-threads rule), then the other shapes for comparison
            int[][] shapes = {{cores, 1}, {1, bestPerCall}, {cores, bestPerCall}};
            for (int[] shape : shapes) {
                int inFlight = shape[0];
                int perCall = shape[1];
                opencv_core.setNumThreads(perCall);
                Scheduler workers = Schedulers.newBoundedElastic(cores, 1000, "bench-hog");
                try (InferenceAdapter hog = OpenCvDetectors.hog("hog", HogOptions.DEFAULTS, workers)) {
                    BenchSupport.Result pipe = BenchSupport.measure(Math.max(1, runs / 2),
                            () -> BenchSupport.pipeline(vtest, hog, frames, inFlight, work)).get(0);
                    System.out.printf(Locale.ROOT, "   pipeline, %d in flight, OpenCV threads %d: %6.2f fps   / single loop %.2f"
                            + "   / OpenCV-threaded loop %.2f%n", inFlight, perCall, pipe.fps(), pipe.fps() / loop1.fps(),
                            pipe.fps() / internal.fps());
                } finally {
                    workers.dispose();
                }
            }
            opencv_core.setNumThreads(1);
            decoded.forEach(Mat::close);

            // a sampled file: max_fps 1 of vtest's 10 fps, every tenth frame inferred (80 of 795)
            System.out.println();
            System.out.println("3. HOG on every 10th frame of vtest.avi through the pipeline (max_fps 1) vs a HOG loop over the same frames");
            List<Mat> sampled = BenchSupport.decodeEvery(vtest, 10);
            opencv_core.setNumThreads(1);
            Scheduler sampledWorkers = Schedulers.newBoundedElastic(cores, 1000, "bench-hog-sampled");
            try (InferenceAdapter hog = OpenCvDetectors.hog("hog", HogOptions.DEFAULTS, sampledWorkers)) {
                List<BenchSupport.Result> r = BenchSupport.measure(Math.max(1, runs / 2), () -> hogLoop(sampled),
                        () -> BenchSupport.sampled(vtest, hog, 1, cores, work));
                opencv_core.setNumThreads(cores);
                BenchSupport.Result threaded = BenchSupport.measure(Math.max(1, runs / 2), () -> hogLoop(sampled)).get(0);
                opencv_core.setNumThreads(1);
                BenchSupport.Result single = r.get(0);
                BenchSupport.Result pipe = r.get(1);
                System.out.printf(Locale.ROOT, "   %d frames: single-threaded loop %6.2f fps   pipeline (%d in flight) %6.2f fps"
                                + "   ratio %.2f (target >= 1.8)%n", sampled.size(), single.fps(), cores, pipe.fps(), pipe.fps() / single.fps());
                System.out.printf(Locale.ROOT, "   loop with OpenCV's own %d threads %6.2f fps   pipeline / that %.2f (target >= 1.0)%n",
                        cores, threaded.fps(), pipe.fps() / threaded.fps());
            } finally {
                sampledWorkers.dispose();
                sampled.forEach(Mat::close);
            }
        }
    }

    /** Grab and convert; with {@code copy}, also copy each frame out as the pipeline must (into one reused buffer). */
    private static long bareGrabLoop(Path clip, boolean copy) {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(clip.toString());
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
             Mat target = new Mat()) {
            g.start();
            long n = 0;
            Frame f;
            while ((f = g.grabImage()) != null) {
                Mat m = converter.convert(f);
                if (copy) {
                    m.copyTo(target);
                }
                if (m.cols() > 0) {
                    n++;
                }
            }
            g.stop();
            return n;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long hogLoop(List<Mat> frames) {
        try (BlockingDetector hog = OpenCvDetectors.hogPeople(HogOptions.DEFAULTS)) {
            long boxes = 0;
            for (Mat m : frames) {
                boxes += hog.detect(m).size();
            }
            return boxes >= 0 ? frames.size() : 0;
        }
    }

}
