package io.edgewatch.core.aggregate;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.edgewatch.core.aggregate.internal.FrameSummary;
import io.edgewatch.core.aggregate.internal.WindowAccumulator;
import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.event.FrameEvent;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The windowed aggregation of one camera: {@link FrameEvent}s in, one {@link WindowReport} per
 * model per window out.
 *
 * <p>Windows are contiguous and close every {@code frequency} on the options' timer, whether or
 * not frames arrive: a camera that sends nothing still reports an empty window. Each event is
 * reduced on arrival to its best prediction per class ({@link FrameSummary}); reduced frames are
 * collected with {@link Flux#bufferTimeout} (at most {@code maxBatch} of them, for at most
 * {@code maxBatchDelay}) and folded into the open window's accumulator, so a window holds a
 * tally per class, not its frames or boxes. Within a model, predictions are grouped by class name,
 * the most confident is kept, ties keep the earliest and classes keep their first-seen order, as
 * the reference aggregator does.
 *
 * <p>A window's length is measured on the options' {@link ClockWatch}'s monotonic clock; its wall
 * clock only labels it: {@code windowEnd} is {@code windowStart} plus the measured length, so no
 * report has an end before its start, whatever the wall clock does. A step of the wall clock
 * (more than {@link ClockWatch#STEP}, checked at least every {@link ClockWatch#CHECK_EVERY})
 * closes the open window at the step, its report saying {@link WindowReport#clockStep()}, and the
 * next window is labelled on the new clock.
 *
 * <p>On completion of the source the open window is closed and emitted, then the Flux completes.
 * On error the open window is closed and emitted too, then the error is propagated. On cancel
 * nothing more is emitted; the timer is cancelled with the subscription. Events that are still
 * {@link FrameEvent.Captured} when they arrive are counted as seen and their frames released.
 */
public final class WindowAggregator implements Function<Flux<FrameEvent>, Flux<WindowReport>> {

    /** The error kind of the source's decoder errors. */
    public static final String DECODE_ERRORS = "decode";

    /** A drift of the wall clock from the labels (without a step) larger than this relabels the next window on the wall clock. */
    private static final long RELABEL_NANOS = 1_000_000;

    private final WindowOptions options;
    private final LongSupplier decodeErrors;

    private WindowAggregator(WindowOptions options, LongSupplier decodeErrors) {
        this.options = options;
        this.decodeErrors = decodeErrors;
    }

    /** The aggregation stage for one camera, to apply with {@link Flux#transform}. */
    public static WindowAggregator create(WindowOptions options) {
        return new WindowAggregator(options, () -> 0);
    }

    /**
     * As above, with the source's decoder errors (a running total, read as each window closes)
     * counted in each window as the error kind {@value #DECODE_ERRORS}.
     */
    public static WindowAggregator create(WindowOptions options, LongSupplier decodeErrors) {
        return new WindowAggregator(options, decodeErrors);
    }

    @Override
    public Flux<WindowReport> apply(Flux<FrameEvent> events) {
        return Flux.defer(() -> {
            ClockWatch clock = options.clock();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // the open window's start, on both clocks; each cut is the next window's start
            ClockWatch.Reading[] open = {clock.check()};
            // cuts in the order the boundary made them: one per window it closes, read as that window closes
            Queue<ClockWatch.Reading> cuts = new ConcurrentLinkedQueue<>();
            long[] decodeSeen = {decodeErrors.getAsLong()};
            Flux<FrameSummary> summaries = events
                    .map(FrameSummary::of)
                    .onErrorResume(e -> {
                        failure.set(e);
                        return Mono.empty();
                    });
            return summaries
                    .bufferTimeout(options.maxBatch(), options.maxBatchDelay(), options.scheduler())
                    .window(boundary(clock, open[0]).doOnNext(cuts::offer))
                    .concatMap(batches -> batches
                            .reduce(new WindowAccumulator(options.cameraId(), options.modelId(),
                                            options.modelType().wireName(), open[0].label()),
                                    WindowAccumulator::addAll)
                            .flatMapIterable(acc -> {
                                ClockWatch.Reading start = open[0];
                                // the last window, closed by completion or an error, ends now
                                ClockWatch.Reading end = cuts.poll();
                                if (end == null) {
                                    end = clock.check();
                                }
                                open[0] = end.steps() == start.steps()
                                        && Math.abs(end.offsetNanos() - start.offsetNanos()) < RELABEL_NANOS
                                        // the clocks' offset jitters by microseconds between two readings: windows stay contiguous
                                        ? new ClockWatch.Reading(end.monotonicNanos(), start.offsetNanos(), end.steps(), end.steppedNanos())
                                        : end;
                                long decodeNow = decodeErrors.getAsLong();
                                long decode = decodeNow - decodeSeen[0];
                                decodeSeen[0] = decodeNow;
                                // the length is the monotonic clock's; the start's wall clock labels the end
                                Duration step = end.steps() == start.steps() ? null
                                        : Duration.ofNanos(end.steppedNanos() - start.steppedNanos());
                                return acc.close(start.label(), start.label(end.monotonicNanos()), decode, step);
                            }))
                    .concatWith(Mono.defer(() -> {
                        Throwable t = failure.get();
                        return t == null ? Mono.empty() : Mono.error(t);
                    }));
        });
    }

    /**
     * Where windows are cut: every {@code frequency} on the timer, and at a step of the wall clock
     * (checked every {@link ClockWatch#CHECK_EVERY} and at each tick), each as the clocks' reading
     * at the cut. The first tick after a step's cut is skipped when it comes within half a period,
     * so that the window after a step is not a sliver.
     */
    private Flux<ClockWatch.Reading> boundary(ClockWatch clock, ClockWatch.Reading first) {
        long halfPeriod = options.frequency().toNanos() / 2;
        ClockWatch.Reading[] last = {first};
        boolean[] afterStep = {false};
        return Flux.merge(
                        Flux.interval(options.frequency(), options.scheduler()).map(i -> Boolean.TRUE),
                        Flux.interval(ClockWatch.CHECK_EVERY, options.scheduler()).map(i -> Boolean.FALSE))
                .handle((tick, sink) -> {
                    ClockWatch.Reading now = clock.check();
                    boolean stepped = now.steps() != last[0].steps();
                    if (stepped || tick && !(afterStep[0] && now.monotonicNanos() - last[0].monotonicNanos() < halfPeriod)) {
                        afterStep[0] = stepped;
                        last[0] = now;
                        sink.next(now);
                    } else if (tick) {
                        // the skipped tick: the window after the step ends at the next one
                        afterStep[0] = false;
                    }
                });
    }
}
