package io.edgewatch.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.bytedeco.javacpp.Pointer;

import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.inference.opencv.MotionOptions;
import io.edgewatch.inference.opencv.OpenCvDetectors;
import io.edgewatch.source.VideoSources;
import io.edgewatch.testkit.RtspServer;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A live camera over hours, compressed: one RTSP camera (GStreamer's test server, restarted every
 * minute so the source reconnects) through the motion detector, printing every 30 s the native
 * memory JavaCPP holds ({@code Pointer.physicalBytes()}, {@code totalBytes()}), the heap after a GC,
 * frames and reconnects. Neither memory figure should grow with time.
 * Usage: {@code SoakRun SERVER_SCRIPT [minutes]}.
 */
public final class SoakRun {

    private SoakRun() {
    }

    public static void main(String[] args) throws Exception {
        String script = args[0];
        int minutes = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        RtspServer server = new RtspServer(Path.of(script), "640x480").start();
        Scheduler workers = Schedulers.newBoundedElastic(2, 100, "soak-inference");
        AtomicLong frames = new AtomicLong();
        AtomicLong windows = new AtomicLong();
        ReportSink counting = BenchSupport.sink(r -> {
            frames.addAndGet(r.framesSeen());
            windows.incrementAndGet();
        });
        FrameSource camera = VideoSources.rtsp("soak", server.url(), "tcp", 2_000_000);
        Sinks.One<Boolean> stop = Sinks.one();
        try (InferenceAdapter motion = OpenCvDetectors.motion("opencv-motion", MotionOptions.DEFAULTS, workers)) {
            PipelineOptions options = new PipelineOptions(WindowOptions.of("soak", motion.modelId(), motion.modelType(),
                    Duration.ofSeconds(5)), 0, 1, Duration.ofSeconds(10));
            Disposable run = new CameraPipeline(options, camera, motion, List.of(counting)).run(stop.asMono()).subscribe();
            System.out.printf(Locale.ROOT, "soak: %d min, RTSP server restarted every 60 s%n", minutes);
            System.out.println("elapsed_s physical_bytes_MB javacpp_total_MB heap_after_gc_MB frames windows reconnects state");
            long start = System.nanoTime();
            long nextRestart = 60;
            long nextPrint = 0;
            while (true) {
                long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                if (elapsed >= nextPrint) {
                    System.gc();
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    System.out.printf(Locale.ROOT, "%9d %17.1f %16.1f %16.1f %6d %7d %10d %s%n", elapsed,
                            Pointer.physicalBytes() / 1e6, Pointer.totalBytes() / 1e6, heap / 1e6, frames.get(),
                            windows.get(), camera.status().reconnects(), camera.status().state());
                    nextPrint += 30;
                }
                if (elapsed >= minutes * 60L) {
                    break;
                }
                if (elapsed >= nextRestart) {
                    server.stop();
                    Thread.sleep(2_000);
                    server.start();
                    nextRestart += 60;
                }
                Thread.sleep(200);
            }
            stop.tryEmitValue(Boolean.TRUE);
            run.dispose();
        } finally {
            server.close();
            workers.dispose();
        }
    }
}
