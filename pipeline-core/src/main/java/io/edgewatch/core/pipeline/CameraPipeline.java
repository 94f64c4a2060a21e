package io.edgewatch.core.pipeline;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowAggregator;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One camera, assembled: source, pacing, inference, window aggregation, sinks.
 *
 * <p>{@link #reports(Mono)} emits the camera's window reports until {@code stop} fires or the
 * source ends; either way the open window is closed and emitted before completion, so a clean stop
 * loses nothing. A source that fails ends the camera's Flux with that error after the last window.
 * {@link #run(Mono)} writes every report to every sink in order; a sink that fails is logged and
 * the others still get the report.
 */
public final class CameraPipeline {

    private static final Logger log = LoggerFactory.getLogger(CameraPipeline.class);

    /** Frames of a file that may wait between the source thread and the rest of the pipeline. */
    static final int FILE_READ_AHEAD = 16;

    private final PipelineOptions options;
    private final FrameSource source;
    private final InferenceAdapter adapter;
    private final List<ReportSink> sinks;

    public CameraPipeline(PipelineOptions options, FrameSource source, InferenceAdapter adapter,
                          List<ReportSink> sinks) {
        this.options = options;
        this.source = source;
        this.adapter = adapter;
        this.sinks = List.copyOf(sinks);
    }

    public String cameraId() {
        return options.cameraId();
    }

    /** The window reports of this camera, as described above. */
    public Flux<WindowReport> reports(Mono<?> stop) {
        return source.frames()
                .takeUntilOther(stop)
                .transform(FramePacing.maxFps(options.maxFps()))
                // the source thread only grabs and copies; the rest runs on the pipeline's own
                // scheduler. A file may read ahead a little (fewer thread hand-offs); a live source
                // never queues, so a frame is never older than the one being inferred
                .publishOn(options.window().scheduler(), source.live() ? 1 : FILE_READ_AHEAD)
                .transform(InferenceStage.create(options.cameraId(), adapter, options.maxInFlight(),
                        options.inferenceTimeout(), options.window().scheduler()))
                .transform(WindowAggregator.create(options.window()));
    }

    /** Runs the camera until {@code stop} or the end of its source; completes when the last report is written. */
    public Mono<Void> run(Mono<?> stop) {
        return reports(stop)
                .concatMap(this::writeToSinks)
                .then();
    }

    private Mono<Void> writeToSinks(WindowReport report) {
        return Flux.fromIterable(sinks)
                .concatMap(sink -> sink.write(report)
                        .onErrorResume(e -> {
                            log.error("camera {}: sink {} could not take the window ending {}: {}",
                                    cameraId(), sink.name(), report.windowEnd(), e.getMessage());
                            return Mono.empty();
                        }))
                .then();
    }
}
