package io.edgewatch.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.bytedeco.opencv.opencv_core.Mat;

import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.FrameTap;
import io.edgewatch.core.pipeline.LastFrame;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameGate;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.sink.JsonlSink;
import io.edgewatch.source.VideoSources;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What the benchmark harnesses share. */
final class BenchSupport {

    private BenchSupport() {
    }

    /** A sink that hands each report to {@code onReport} and keeps nothing. */
    static ReportSink sink(Consumer<WindowReport> onReport) {
        return ReportSink.of("bench", onReport);
    }

    record Result(double fps) {
    }

    /**
     * Each run returns the frames it processed. After one warm-up of each, the contenders run in
     * turn {@code runs} times (so drifts of a shared machine hit all alike); the figure of each is
     * its median fps.
     */
    static List<Result> measure(int runs, LongSupplier... contenders) {
        List<List<Double>> fps = new ArrayList<>();
        for (LongSupplier c : contenders) {
            c.getAsLong();
            fps.add(new ArrayList<>());
        }
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < contenders.length; k++) {
                long start = System.nanoTime();
                long frames = contenders[k].getAsLong();
                fps.get(k).add(frames / ((System.nanoTime() - start) / 1e9));
            }
        }
        List<Result> out = new ArrayList<>();
        for (List<Double> f : fps) {
            out.add(new Result(median(f)));
        }
        return out;
    }

    /** The middle value (the upper one of an even count). */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Every {@code every}-th frame of the clip, from the first, decoded and copied. */
    static List<Mat> decodeEvery(Path clip, int every) {
        List<Mat> out = new ArrayList<>();
        long[] i = {0};
        VideoSources.file("decode", clip, false).frames()
                .doOnNext(f -> {
                    if (i[0]++ % every == 0) {
                        out.add(f.pixels().clone());
                    }
                    f.release();
                })
                .blockLast(Duration.ofMinutes(5));
        return out;
    }

    static List<Mat> decode(Path clip, int frames) {
        List<Mat> out = new ArrayList<>();
        VideoSources.file("decode", clip, false).frames().take(frames)
                .doOnNext(f -> {
                    out.add(f.pixels().clone());
                    f.release();
                })
                .blockLast(Duration.ofMinutes(1));
        return out;
    }

    /** The daemon's own per-camera pipeline, on the first {@code maxFrames} frames of the clip. */
    static long pipeline(Path clip, InferenceAdapter adapter, int maxFrames, int inFlight, Path work) {
        return pipeline(clip, adapter, maxFrames, inFlight, work, List.of());
    }

    /** The same, with {@code extra} sinks after the JSONL one. */
    static long pipeline(Path clip, InferenceAdapter adapter, int maxFrames, int inFlight, Path work, List<ReportSink> extra) {
        return pipeline(clip, adapter, maxFrames, inFlight, work, extra, 0, false, LastFrame.off());
    }

    /**
     * The clip {@code passes} times in a row as one source (each pass opens it again, with no loop
     * back-off), keeping the last inferred frame in {@code last} (the status page's snapshot).
     */
    static long pipeline(Path clip, InferenceAdapter adapter, int passes, int inFlight, Path work, List<ReportSink> extra,
                         LastFrame last) {
        return pipeline(clip, adapter, Integer.MAX_VALUE, inFlight, work, extra, 0, false, last, passes);
    }

    /** A whole file through the pipeline at {@code maxFps} of stream time; the frames inferred. */
    static long sampled(Path clip, InferenceAdapter adapter, double maxFps, int inFlight, Path work) {
        return pipeline(clip, adapter, Integer.MAX_VALUE, inFlight, work, List.of(), maxFps, true, LastFrame.off());
    }

    /** The clip {@code passes} times in a row as one source, every inferred frame shown to {@code tap} (samples). */
    static long pipeline(Path clip, InferenceAdapter adapter, int passes, int inFlight, Path work, FrameTap tap) {
        return pipeline(clip, adapter, Integer.MAX_VALUE, inFlight, work, List.of(), 0, false, LastFrame.off(), passes, tap);
    }

    private static long pipeline(Path clip, InferenceAdapter adapter, int maxFrames, int inFlight, Path work,
                                 List<ReportSink> extra, double maxFps, boolean countInferred, LastFrame last) {
        return pipeline(clip, adapter, maxFrames, inFlight, work, extra, maxFps, countInferred, last, 1);
    }

    private static long pipeline(Path clip, InferenceAdapter adapter, int maxFrames, int inFlight, Path work,
                                 List<ReportSink> extra, double maxFps, boolean countInferred, LastFrame last, int passes) {
        return pipeline(clip, adapter, maxFrames, inFlight, work, extra, maxFps, countInferred, last, passes, FrameTap.NONE);
    }

    private static long pipeline(Path clip, InferenceAdapter adapter, int maxFrames, int inFlight, Path work,
                                 List<ReportSink> extra, double maxFps, boolean countInferred, LastFrame last, int passes,
                                 FrameTap tap) {
        FrameSource file = VideoSources.file("bench", clip, false);
        FrameSource limited = new FrameSource() {
            @Override
            public Flux<VideoFrame> frames() {
                return frames(FrameGate.ALL);
            }

            @Override
            public Flux<VideoFrame> frames(FrameGate gate) {
                return Flux.range(0, passes).concatMap(i -> VideoSources.file("bench", clip, false).frames(gate), 0).take(maxFrames);
            }

            @Override
            public String describe() {
                return file.describe();
            }

            @Override
            public boolean live() {
                return false;
            }
        };
        AtomicLong seen = new AtomicLong();
        try (JsonlSink sink = JsonlSink.open(work.resolve("bench.jsonl"), "bench", Map.of())) {
            ReportSink counting = sink(report -> seen.addAndGet(countInferred ? report.framesInferred() : report.framesSeen()));
            PipelineOptions options = new PipelineOptions(WindowOptions.of("bench", adapter.modelId(), adapter.modelType(),
                    Duration.ofSeconds(1)), maxFps, inFlight, Duration.ofSeconds(30));
            List<ReportSink> sinks = new ArrayList<>(List.of(sink, counting));
            sinks.addAll(extra);
            new CameraPipeline(options, limited, adapter, sinks, last, tap).run(Mono.never())
                    .block(Duration.ofMinutes(10));
        }
        return seen.get();
    }

}
