package io.edgewatch.core.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.Prediction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Sends every {@link FrameEvent.Captured} frame to an {@link InferenceAdapter}, with at most
 * {@code maxInFlight} frames in inference at once, and emits {@link FrameEvent.Inferred} or
 * {@link FrameEvent.Failed} in frame order; other events pass at once, ahead of results still
 * in inference (they hold no slot).
 *
 * <p>An inference that errors or outlasts {@code timeout} becomes a {@code Failed} event of the
 * matching kind; the stream goes on. Each frame's pipeline reference is released when its
 * inference ends (the adapter holds its own while it reads), and frames discarded on cancel are
 * released too. Upstream errors pass through.
 */
public final class InferenceStage implements Function<Flux<FrameEvent>, Flux<FrameEvent>> {

    private static final Logger log = LoggerFactory.getLogger(InferenceStage.class);
    private static final long FAILURE_LOG_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

    private final InferenceAdapter adapter;
    /** The ordered merge's own bound: above any limit a camera file can set ({@code max_in_flight} is at most 256). */
    static final int MERGE_CONCURRENCY = 256;

    private final InFlightLimit maxInFlight;
    private final Duration timeout;
    private final Scheduler timer;
    private final String cameraId;
    private final FrameTap tap;
    private long lastFailureLogNanos;
    private long failuresSinceLog;

    private InferenceStage(String cameraId, InferenceAdapter adapter, InFlightLimit maxInFlight, Duration timeout,
                           Scheduler timer, FrameTap tap) {
        this.cameraId = cameraId;
        this.adapter = adapter;
        this.maxInFlight = maxInFlight;
        this.timeout = timeout;
        this.timer = timer;
        this.tap = tap;
    }

    /** The stage for one camera; {@code timer} runs the timeouts. */
    public static InferenceStage create(String cameraId, InferenceAdapter adapter, int maxInFlight,
                                        Duration timeout, Scheduler timer) {
        return new InferenceStage(cameraId, adapter, new InFlightLimit(maxInFlight), timeout, timer, FrameTap.NONE);
    }

    /** The same, showing each inferred frame with its result to {@code tap} before the frame is released. */
    public static InferenceStage create(String cameraId, InferenceAdapter adapter, int maxInFlight,
                                        Duration timeout, Scheduler timer, FrameTap tap) {
        return new InferenceStage(cameraId, adapter, new InFlightLimit(maxInFlight), timeout, timer, tap);
    }

    /** The same, with frames in flight that may change while it runs ({@link InFlightLimit#set}). */
    public static InferenceStage create(String cameraId, InferenceAdapter adapter, InFlightLimit maxInFlight,
                                        Duration timeout, Scheduler timer, FrameTap tap) {
        return new InferenceStage(cameraId, adapter, maxInFlight, timeout, timer, tap);
    }

    /**
     * Only frames to infer take one of the {@code maxInFlight} slots: every other event (a frame
     * that {@code max_fps} skipped, say) is sent on at once through a side channel, ahead of the
     * results still in inference. Were they inners of the ordered merge too, each would hold a
     * slot until every frame before it was answered, and with a sampled file the calls would
     * never overlap (one slow inference and nine skipped frames fill two slots). The next frame
     * to infer is still asked of the source only when a slot is free.
     */
    @Override
    public Flux<FrameEvent> apply(Flux<FrameEvent> events) {
        return Flux.defer(() -> {
            Sinks.Many<FrameEvent> passing = Sinks.many().unicast().onBackpressureBuffer();
            AtomicReference<InFlightLimit.Gate<FrameEvent>> gate = new AtomicReference<>();
            Flux<FrameEvent> captured = events
                    .<FrameEvent>handle((e, sink) -> {
                        if (e instanceof FrameEvent.Captured) {
                            sink.next(e);
                        } else {
                            // the source's signals are serial: no concurrent emission into the side channel
                            passing.emitNext(e, Sinks.EmitFailureHandler.FAIL_FAST);
                        }
                    })
                    .doOnComplete(passing::tryEmitComplete)
                    .doOnError(e -> passing.tryEmitComplete());
            // the gate holds the frames in inference to the limit; a result leaving the merge gives its slot back
            Flux<FrameEvent> inferred = maxInFlight.gate(captured, gate::set)
                    .flatMapSequential(this::infer, MERGE_CONCURRENCY, 1)
                    .doOnNext(e -> gate.get().done());
            return Flux.merge(inferred, passing.asFlux());
        })
                .doOnDiscard(FrameEvent.Captured.class, c -> c.frame().release())
                .doOnDiscard(VideoFrame.class, VideoFrame::release);
    }

    private Mono<FrameEvent> infer(FrameEvent event) {
        if (!(event instanceof FrameEvent.Captured captured)) {
            return Mono.just(event);
        }
        VideoFrame frame = captured.frame();
        int width = frame.width();
        int height = frame.height();
        return Mono.defer(() -> {
                    long started = System.nanoTime();
                    return adapter.infer(frame)
                            .timeout(timeout, timer)
                            .doOnNext(result -> checkOutputs(result, width, height))
                            .doOnNext(result -> tap.inferred(frame, result))
                            .<FrameEvent>map(result -> new FrameEvent.Inferred(result, frame.decodeNanos(),
                                    Math.max(0, started - frame.capturedNanos())));
                })
                .onErrorResume(e -> Mono.just(failure(frame.sequence(), e)))
                .doFinally(signal -> frame.release());
    }

    /**
     * A model's answer that cannot be right makes the frame a {@code malformed} failure, so a broken
     * model shows in the error counts (and the error-rate alert) instead of in the results: a
     * confidence outside 0..1, a detection with no class name, a box with no area, or one wholly
     * outside the frame. (A box reaching past an edge is normal and kept.)
     */
    static void checkOutputs(InferenceResult result, int width, int height) {
        List<Prediction> predictions = result.predictions();
        for (int i = 0; i < predictions.size(); i++) {
            Prediction p = predictions.get(i);
            String problem = null;
            if (p.confidence() < 0 || p.confidence() > 1) {
                problem = "confidence " + p.confidence() + " is outside 0..1";
            } else if (p.box() != null) {
                Box b = p.box();
                if (p.className().isEmpty()) {
                    problem = "a detection has no class name";
                } else if (!(b.width() > 0 && b.height() > 0) || !Double.isFinite(b.x()) || !Double.isFinite(b.y())) {
                    problem = "box " + b + " has no area";
                } else if (b.left() + b.width() <= 0 || b.top() + b.height() <= 0 || b.left() >= width || b.top() >= height) {
                    problem = "box " + b + " lies wholly outside the " + width + "x" + height + " frame";
                }
            }
            if (problem != null) {
                throw new InferenceException(InferenceException.Kind.MALFORMED, "model " + result.modelId()
                        + " answered a malformed prediction (" + i + ": '" + p.className() + "'): " + problem);
            }
        }
    }

    private FrameEvent failure(long sequence, Throwable e) {
        InferenceException.Kind kind = InferenceException.kindOf(e);
        String message = e instanceof TimeoutException
                ? "no answer from " + adapter.modelId() + " within " + timeout.toMillis() + " ms"
                : String.valueOf(e.getMessage());
        logFailure(kind, message, e);
        return new FrameEvent.Failed(sequence, kind, message);
    }

    /** One line per minute at most, with how many failures it stands for. */
    private synchronized void logFailure(InferenceException.Kind kind, String message, Throwable e) {
        failuresSinceLog++;
        long now = System.nanoTime();
        if (lastFailureLogNanos == 0 || now - lastFailureLogNanos >= FAILURE_LOG_INTERVAL_NANOS) {
            log.warn("camera {}: inference failed ({}): {} [{} failure(s) since the last report]",
                    cameraId, kind.label(), message, failuresSinceLog,
                    kind == InferenceException.Kind.INTERNAL ? e : null);
            lastFailureLogNanos = now;
            failuresSinceLog = 0;
        }
    }
}
