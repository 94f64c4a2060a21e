package io.edgewatch.core.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowAggregator;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameGate;
import io.edgewatch.core.source.FrameSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One camera, assembled: source, pacing, inference, window aggregation, sinks.
 *
 * <p>{@link #reports(Mono)} emits the camera's window reports until {@code stop} fires or the
 * source ends; either way the open window is closed and emitted before completion, so a clean stop
 * loses nothing. A source that fails ends the camera's Flux with that error after the last window.
 * Every frame goes back to its source's pool on every path: inferred, skipped, discarded on
 * cancel, and dropped after the stop ({@link DroppedFrames}).
 *
 * <p>{@link #run(Mono)} writes every report to every sink in order; a sink that fails is logged and
 * the others still get the report; sinks slower than the windows hold no window back (up to
 * {@link PipelineOptions#reportBuffer()} reports wait for them, then the oldest are dropped and
 * counted in {@link #droppedReports()}).
 */
public final class CameraPipeline {

    private static final Logger log = LoggerFactory.getLogger(CameraPipeline.class);

    /** Frames of a file that may wait between the source thread and the rest of the pipeline. */
    static final int FILE_READ_AHEAD = 16;

    private final PipelineOptions options;
    private final FrameSource source;
    private final InferenceAdapter adapter;
    private final List<ReportSink> sinks;
    private final LastFrame last;
    private final FrameTap tap;
    private final ReportBuffer buffer;
    private final InFlightLimit maxInFlight;

    public CameraPipeline(PipelineOptions options, FrameSource source, InferenceAdapter adapter,
                          List<ReportSink> sinks) {
        this(options, source, adapter, sinks, LastFrame.off());
    }

    /** The same, keeping the last inferred frame and its result in {@code last} (for snapshots). */
    public CameraPipeline(PipelineOptions options, FrameSource source, InferenceAdapter adapter,
                          List<ReportSink> sinks, LastFrame last) {
        this(options, source, adapter, sinks, last, FrameTap.NONE);
    }

    /** The same, also showing each inferred frame and its result to {@code tap} (the samples). */
    public CameraPipeline(PipelineOptions options, FrameSource source, InferenceAdapter adapter,
                          List<ReportSink> sinks, LastFrame last, FrameTap tap) {
        this.options = options;
        this.source = source;
        this.adapter = adapter;
        this.sinks = List.copyOf(sinks);
        this.last = last;
        this.tap = last.isOn() ? last.andThen(tap) : tap;
        this.buffer = new ReportBuffer(options.cameraId(), options.reportBuffer());
        this.maxInFlight = new InFlightLimit(options.maxInFlight());
    }

    /** Frames in inference at once from now on (a reload's new share of the cores); the running camera follows. */
    public void maxInFlight(int frames) {
        maxInFlight.set(frames);
    }

    /** Frames in inference at once now. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** The last inferred frame and its result, while the camera runs. */
    public LastFrame lastFrame() {
        return last;
    }

    public String cameraId() {
        return options.cameraId();
    }

    /** Reports dropped so far (over every run) because the sinks were slower than the windows. */
    public long droppedReports() {
        return buffer.dropped();
    }

    /** Milliseconds since this process started (its start time as the system records it), or -1 when unknown. */
    private static long sinceProcessStart() {
        return ProcessHandle.current().info().startInstant()
                .map(t -> Duration.between(t, Instant.now()).toMillis()).orElse(-1L);
    }

    /** The window reports of this camera, as described above. */
    public Flux<WindowReport> reports(Mono<?> stop) {
        return Flux.defer(() -> {
            long started = System.nanoTime();
            boolean[] first = {true};
            // asked by the source before it converts a frame: one above max_fps is never converted
            FrameGate gate = FramePacing.gate(options.maxFps());
            Flux<FrameEvent> events = source.frames(gate)
                    // start to first frame, once per run: what a restart or a reload costs a camera
                    .doOnNext(f -> {
                        if (first[0] && !f.isSkipped()) {
                            first[0] = false;
                            log.info("camera {}: first frame after {} ms ({}x{}; {} ms since the process started)", cameraId(),
                                    (System.nanoTime() - started) / 1_000_000, f.width(), f.height(), sinceProcessStart());
                        }
                    })
                    .takeUntilOther(stop)
                    .transform(FramePacing.gated());
            InferenceStage inference = InferenceStage.create(options.cameraId(), adapter, maxInFlight,
                    options.inferenceTimeout(), options.window().scheduler(), tap);
            if (!source.live()) {
                // a file is read losslessly and a little ahead; the source thread only grabs and
                // copies, the rest runs on the pipeline's scheduler
                return events
                        .publishOn(options.window().scheduler(), FILE_READ_AHEAD)
                        .transform(inference);
            }
            // a live source is never held back: inference pulls the newest frame when it is ready,
            // and the frames it never saw are counted as dropped
            Queue<FrameEvent.Dropped> missed = new ConcurrentLinkedQueue<>();
            return events
                    .transform(FramePacing.latestWins(missed))
                    .transform(inference)
                    .transform(FramePacing.reinsert(missed));
        })
                .transform(WindowAggregator.create(options.window(), source::decodeErrors))
                // last, so the source sees it too: the frame grabbed at a stop comes after the stop
                .transform(DroppedFrames.released());
    }

    /**
     * Runs the camera until {@code stop} or the end of its source; completes when the last report is
     * written. The windows never wait for the sinks: reports wait in a bounded {@link ReportBuffer}
     * (the oldest dropped, counted, when a sink stays behind), as {@code concatMap} asks for the
     * next report only once the previous write is done.
     */
    public Mono<Void> run(Mono<?> stop) {
        return reports(stop)
                .transform(buffer)
                .concatMap(this::writeToSinks)
                .doFinally(signal -> last.clear())
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
