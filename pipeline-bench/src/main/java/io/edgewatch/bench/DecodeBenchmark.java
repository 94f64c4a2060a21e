package io.edgewatch.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.management.OperatingSystemMXBean;

import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.LastFrame;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.inference.Detectors;
import io.edgewatch.source.VideoSources;
import io.edgewatch.testkit.RtspServer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What a frame that {@code max_fps} drops costs: the pipeline as it runs (the source asks the pacing
 * before it converts a frame, so a dropped frame is decoded but never converted to BGR nor copied)
 * against the same pipeline whose source converts every frame and lets the pacing drop it after
 * (what every source did before). Both in the same run, alternated, with a no-op detector:
 * <ul>
 *   <li>a live RTSP camera (640x480 MJPEG, 25 fps, over TCP from 127.0.0.1) at {@code max_fps: 5}:
 *       CPU per camera, as a share of one core;</li>
 *   <li>vtest.avi read as fast as it goes at one frame in ten (the sampled run of {@code ./bench}):
 *       CPU-seconds per pass.</li>
 * </ul>
 * Prints each round and the median ratio (converting every frame / converting the kept ones; above
 * 1 is CPU saved).
 */
public final class DecodeBenchmark {

    private DecodeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path script = Path.of(args[0]);
        Path clip = Path.of(args[1]).resolve("vtest.avi");
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        System.out.printf(Locale.ROOT, "edgewatch decode-only-what-is-used: %d cores, no-op detector, %d rounds%n",
                Runtime.getRuntime().availableProcessors(), rounds);
        RtspServer server = new RtspServer(script, "640x480").start();
        try {
            String url = server.url();
            // warm-up: the JIT's own CPU would count as the first round's
            live(url, false, 20);
            live(url, true, 20);
            System.out.printf(Locale.ROOT, "RTSP 640x480 at 25 fps, max_fps 5, %d s per run: CPU %% of a core (frames seen, inferred)%n", seconds);
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] early = live(url, false, seconds);
                double[] late = live(url, true, seconds);
                ratios.add(late[0] / early[0]);
                System.out.printf(Locale.ROOT, "  round %d: converting the kept frames %.2f %% (%.0f, %.0f) | converting every frame"
                        + " %.2f %% (%.0f, %.0f) | ratio %.2f%n", r + 1, early[0], early[1], early[2], late[0], late[1], late[2],
                        late[0] / early[0]);
            }
            System.out.printf(Locale.ROOT, "RTSP at max_fps 5: CPU of converting every frame / converting the kept ones, median %.2f%n",
                    BenchSupport.median(ratios));
        } finally {
            server.close();
        }
        file(clip, false);
        file(clip, true);
        System.out.println("vtest.avi (795 frames, 768x576, 10 fps) at max_fps 1, as fast as it reads: CPU-seconds per pass");
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double early = file(clip, false);
            double late = file(clip, true);
            ratios.add(late / early);
            System.out.printf(Locale.ROOT, "  round %d: converting the kept frames %.3f s | converting every frame %.3f s | ratio %.2f%n",
                    r + 1, early, late, late / early);
        }
        System.out.printf(Locale.ROOT, "vtest.avi at max_fps 1: CPU of converting every frame / converting the kept ones, median %.2f%n",
                BenchSupport.median(ratios));
    }

    /** CPU % of one core, frames seen and inferred, of one RTSP camera at max_fps 5 for {@code seconds}. */
    private static double[] live(String url, boolean convertAll, int seconds) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        InferenceAdapter noop = Detectors.noop("noop");
        AtomicLong seen = new AtomicLong();
        AtomicLong inferred = new AtomicLong();
        PipelineOptions options = new PipelineOptions(WindowOptions.of("cam", "noop", noop.modelType(), Duration.ofSeconds(1)),
                5, 1, Duration.ofSeconds(10));
        FrameSource source = source(VideoSources.rtsp("cam", url, "tcp", 5_000_000), convertAll);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        new CameraPipeline(options, source, noop, List.of(), LastFrame.off(), (frame, result) -> inferred.incrementAndGet())
                .reports(Mono.delay(Duration.ofSeconds(seconds)))
                .doOnNext(r -> seen.addAndGet(r.framesSeen()))
                .blockLast(Duration.ofSeconds(seconds + 30));
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        noop.close();
        return new double[] {100 * cpu / wall, seen.get(), inferred.get()};
    }

    /** CPU-seconds of one pass over the clip at max_fps 1. */
    private static double file(Path clip, boolean convertAll) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        InferenceAdapter noop = Detectors.noop("noop");
        PipelineOptions options = new PipelineOptions(WindowOptions.of("bench", "noop", noop.modelType(), Duration.ofSeconds(1)),
                1, 1, Duration.ofSeconds(30));
        long cpu0 = os.getProcessCpuTime();
        new CameraPipeline(options, source(VideoSources.file("bench", clip, false), convertAll), noop, List.of(), LastFrame.off(),
                (frame, result) -> { }).run(Mono.never()).block(Duration.ofMinutes(5));
        noop.close();
        return (os.getProcessCpuTime() - cpu0) / 1e9;
    }

    /** The source itself, or one that converts every frame and leaves the pacing to the pipeline (the code before). */
    private static FrameSource source(FrameSource source, boolean convertAll) {
        if (!convertAll) {
            return source;
        }
        return new FrameSource() {
            @Override
            public Flux<VideoFrame> frames() {
                return source.frames();
            }

            @Override
            public String describe() {
                return source.describe();
            }

            @Override
            public boolean live() {
                return source.live();
            }
        };
    }
}
