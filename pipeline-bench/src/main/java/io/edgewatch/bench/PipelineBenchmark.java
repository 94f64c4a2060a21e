package io.edgewatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

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
        Path pythonScript = args.length > 2 ? Path.of(args[2]) : null;
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
            PythonLoop python = PythonLoop.start(pythonScript);
            if (python != null) {
                System.out.println("   Python baseline: scripts/cv2-loop.py, Debian's " + python.version);
            }
            int frames = 60;
            System.out.println();
            System.out.printf(Locale.ROOT, "2. HOG people detector on the first %d frames of vtest.avi; all contenders in turn, medians%n", frames);
            List<Mat> decoded = BenchSupport.decode(vtest, frames);
            hogShapes(decoded, cores, runs, hog -> BenchSupport.pipeline(vtest, hog, frames, cores, work),
                    hog -> BenchSupport.pipeline(vtest, hog, frames, 1, work), () -> decodingHogLoop(vtest, frames, 1),
                    python == null ? null : () -> python.hog(vtest, frames, 1, cores));
            decoded.forEach(Mat::close);

            // a sampled file: max_fps 1 of vtest's 10 fps, every tenth frame inferred (80 of 795)
            System.out.println();
            System.out.println("3. HOG on every 10th frame of vtest.avi through the pipeline (max_fps 1) vs a HOG loop over the same frames");
            List<Mat> sampled = BenchSupport.decodeEvery(vtest, 10);
            hogShapes(sampled, cores, runs, hog -> BenchSupport.sampled(vtest, hog, 1, cores, work),
                    hog -> BenchSupport.sampled(vtest, hog, 1, 1, work), () -> decodingHogLoop(vtest, Integer.MAX_VALUE, 10),
                    python == null ? null : () -> python.hog(vtest, Integer.MAX_VALUE, 10, cores));
            sampled.forEach(Mat::close);
            if (python != null) {
                python.close();
            }
        }
    }

    /**
     * The HOG loop over {@code frames} with OpenCV threads 1 and with its own threads (one a core), and
     * the pipeline in three shapes: a frame a core with one OpenCV thread each, one frame with a
     * thread a core inside the call, and both (oversubscribed): all in turn, so that a shared
     * machine's drift hits all alike. {@code perCore} runs the pipeline with a frame a core in flight,
     * {@code single} with one. The loops are given decoded frames; {@code decoding} is the
     * OpenCV-threaded loop that also decodes the file, as the pipeline must (the same work);
     * {@code python}, when there is one, the plain Python cv2 loop doing the same (decoding too).
     */
    private static void hogShapes(List<Mat> frames, int cores, int runs, ToLongFunction<InferenceAdapter> perCore,
                                  ToLongFunction<InferenceAdapter> single, LongSupplier decoding, LongSupplier python) {
        Scheduler workers = Schedulers.newBoundedElastic(cores, 1000, "bench-hog");
        try (InferenceAdapter hog = OpenCvDetectors.hog("hog", HogOptions.DEFAULTS, workers)) {
            List<BenchSupport.Result> r = BenchSupport.measure(Math.max(1, runs / 2),
                    () -> threads(1, () -> hogLoop(frames)),
                    () -> threads(cores, () -> hogLoop(frames)),
                    () -> threads(1, () -> perCore.applyAsLong(hog)),
                    () -> threads(cores, () -> single.applyAsLong(hog)),
                    () -> threads(cores, () -> perCore.applyAsLong(hog)),
                    () -> threads(cores, decoding),
                    python != null ? python : () -> 0);
            double loop1 = r.get(0).fps();
            double loopN = r.get(1).fps();
            double decodingN = r.get(5).fps();
            double py = r.get(6).fps();
            System.out.printf(Locale.ROOT, "   %d frames: loop, OpenCV threads 1 %6.2f fps   loop, OpenCV's own %d threads %6.2f fps"
                    + "   [that loop decoding the file too, as the pipeline does: %6.2f fps]%n", frames.size(), loop1, cores, loopN, decodingN);
            if (python != null) {
                System.out.printf(Locale.ROOT, "   Python cv2 loop decoding the file, OpenCV's %d threads: %6.2f fps%n", cores, py);
            }
            String[] shapes = {cores + " in flight, OpenCV threads 1", "1 in flight, OpenCV threads " + cores + " (the rule)",
                cores + " in flight, OpenCV threads " + cores};
            for (int i = 0; i < shapes.length; i++) {
                double fps = r.get(2 + i).fps();
                System.out.printf(Locale.ROOT, "   pipeline, %-41s %6.2f fps   / single loop %.2f (target >= 1.8)   / OpenCV-threaded loop %.2f"
                        + " (target >= 1.0)   [/ decoding loop %.2f]%s%n", shapes[i] + ":", fps, fps / loop1, fps / loopN, fps / decodingN,
                        python == null ? "" : String.format(Locale.ROOT, "   / Python cv2 loop %.2f (target >= 1.0)", fps / py));
            }
        } finally {
            workers.dispose();
            opencv_core.setNumThreads(1);
        }
    }

    private static long threads(int n, LongSupplier run) {
        opencv_core.setNumThreads(n);
        return run.getAsLong();
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

    /** The HOG loop decoding {@code clip} itself: every {@code every}-th of its first {@code maxFrames} frames; the frames detected on. */
    private static long decodingHogLoop(Path clip, int maxFrames, int every) {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(clip.toString());
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
             BlockingDetector hog = OpenCvDetectors.hogPeople(HogOptions.DEFAULTS)) {
            g.start();
            long n = 0;
            long detected = 0;
            long boxes = 0;
            Frame f;
            while (n < maxFrames && (f = g.grabImage()) != null) {
                if (n++ % every == 0) {
                    boxes += hog.detect(converter.convert(f)).size();
                    detected++;
                }
            }
            g.stop();
            return boxes >= 0 ? detected : 0;
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
