package io.edgewatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

import org.bytedeco.opencv.global.opencv_core;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.pipeline.FrameTap;
import io.edgewatch.core.sample.CameraSignals;
import io.edgewatch.core.sample.SampleLimits;
import io.edgewatch.core.sample.SampleRule;
import io.edgewatch.core.sample.SampleStrategy;
import io.edgewatch.core.sample.Sampler;
import io.edgewatch.inference.Detectors;
import io.edgewatch.sink.samples.SampleImage;
import io.edgewatch.sink.samples.SampleStore;
import io.edgewatch.sink.samples.SampleTap;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What choosing samples costs the pipeline when no strategy matches: the pipeline (file, a
 * detector that returns the same six detections at once for every frame, aggregator, JSONL) on
 * {@code vtest.avi} with no tap, against the same with a sample tap whose strategies (one of each
 * kind but {@code random}) look at every result and match none; and, for the record, with a
 * strategy that matches every frame but whose camera credits are spent after 10 (the credit check
 * on every frame). A detector this fast makes the tap's share as large as it can be. Median of
 * alternating runs over the clip {@value #PASSES} times. Usage: {@code SamplesBenchmark [fixturesDir] [runs]}.
 */
public final class SamplesBenchmark {

    private static final int PASSES = 4;
    private static final List<Prediction> SEEN = List.of(
            Prediction.detection("person", 0.83, new Box(100, 120, 40, 90)),
            Prediction.detection("person", 0.71, new Box(300, 140, 38, 85)),
            Prediction.detection("person", 0.66, new Box(500, 160, 42, 95)),
            Prediction.detection("helmet", 0.62, new Box(102, 80, 20, 16)),
            Prediction.detection("helmet", 0.58, new Box(301, 100, 20, 16)),
            Prediction.detection("vest", 0.9, new Box(100, 130, 36, 40)));

    private SamplesBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path clip = Path.of(args.length > 0 ? args[0] : "../shared/fixtures").resolve("vtest.avi");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        if (!Files.isReadable(clip)) {
            throw new IllegalArgumentException(clip + " not found: pass the fixtures folder as first argument");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("edgewatch-bench");
        opencv_core.setNumThreads(1);
        System.out.printf(Locale.ROOT, "edgewatch samples benchmark: %d cores, %d runs (median), %s %d times, %d detections a frame%n",
                cores, runs, clip.getFileName(), PASSES, SEEN.size());
        List<SampleStrategy> none = List.of(
                new SampleStrategy("forklifts", new SampleRule.Classes(Set.of("forklift")), 1, List.of(), SampleLimits.NONE),
                new SampleStrategy("unsure", new SampleRule.CloseToThreshold(0.5, 0.01, Set.of(), 1), 1, List.of(), SampleLimits.NONE),
                new SampleStrategy("crowd", new SampleRule.DetectionsNumber(100, SampleLimits.UNBOUNDED, Set.of()), 1, List.of(),
                        SampleLimits.NONE),
                new SampleStrategy("drifting", new SampleRule.WhileAlert(), 1, List.of(), SampleLimits.NONE),
                new SampleStrategy("new", new SampleRule.UnseenClass(), 1, List.of(), SampleLimits.NONE));
        CameraSignals known = new CameraSignals() {
            private final Set<String> classes = Set.of("person", "helmet", "vest");

            @Override
            public boolean alertFiring() {
                return false;
            }

            @Override
            public Set<String> baselineClasses() {
                return classes;
            }
        };
        Scheduler encoder = Schedulers.newBoundedElastic(1, 64, "bench-samples");
        SampleStore store = SampleStore.open(work.resolve("samples"), 64L << 20);
        long[] spentSamples = new long[1];
        try (InferenceAdapter fixed = Detectors.fixed("bench/1", SEEN)) {
            List<BenchSupport.Result> r = BenchSupport.measure(runs,
                    () -> BenchSupport.pipeline(clip, fixed, PASSES, cores, work, FrameTap.NONE),
                    () -> BenchSupport.pipeline(clip, fixed, PASSES, cores, work, new SampleTap("bench",
                            new Sampler(none, SampleLimits.NONE, known, Clock.systemUTC(), new SplittableRandom(7)),
                            SampleImage.DEFAULTS, encoder, List.of(store))),
                    () -> {
                        SampleTap tap = new SampleTap("bench", new Sampler(List.of(new SampleStrategy("people",
                                new SampleRule.Classes(Set.of("person")), 1, List.of(), SampleLimits.NONE)), new SampleLimits(10, 10, 10),
                                known, Clock.systemUTC(), new SplittableRandom(7)), SampleImage.DEFAULTS, encoder, List.of(store));
                        long frames = BenchSupport.pipeline(clip, fixed, PASSES, cores, work, tap);
                        spentSamples[0] = tap.counts()[0];
                        return frames;
                    });
            double off = r.get(0).fps();
            System.out.printf(Locale.ROOT, "   sampling off %8.1f fps   on, nothing matching %8.1f fps   ratio %.3f (target >= 0.97)%n",
                    off, r.get(1).fps(), r.get(1).fps() / off);
            System.out.printf(Locale.ROOT, "   on, every frame matching, 10 kept (encoded and written) then credits spent %8.1f fps   ratio %.3f (%d samples kept in"
                    + " the last run)%n", r.get(2).fps(), r.get(2).fps() / off, spentSamples[0]);
            long[] kept = store.stats();
            System.out.printf(Locale.ROOT, "   store: %d samples, %d bytes%n", kept[0], kept[1]);
        } finally {
            encoder.dispose();
        }
    }
}
