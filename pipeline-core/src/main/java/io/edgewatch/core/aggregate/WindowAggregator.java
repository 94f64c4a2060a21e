package io.edgewatch.core.aggregate;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.edgewatch.core.aggregate.internal.FrameSummary;
import io.edgewatch.core.aggregate.internal.WindowAccumulator;
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
 * <p>On completion of the source the open window is closed and emitted, then the Flux completes.
 * On error the open window is closed and emitted too, then the error is propagated. On cancel
 * nothing more is emitted; the timer is cancelled with the subscription. Events that are still
 * {@link FrameEvent.Captured} when they arrive are counted as seen and their frames released.
 */
public final class WindowAggregator implements Function<Flux<FrameEvent>, Flux<WindowReport>> {

    /** The error kind of the source's decoder errors. */
    public static final String DECODE_ERRORS = "decode";

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
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicReference<Instant> windowStart = new AtomicReference<>(now());
            long[] decodeSeen = {decodeErrors.getAsLong()};
            Flux<FrameSummary> summaries = events
                    .map(FrameSummary::of)
                    .onErrorResume(e -> {
                        failure.set(e);
                        return Mono.empty();
                    });
            return summaries
                    .bufferTimeout(options.maxBatch(), options.maxBatchDelay(), options.scheduler())
                    .window(options.frequency(), options.scheduler())
                    .concatMap(batches -> batches
                            .reduce(new WindowAccumulator(options.cameraId(), options.modelId(),
                                            options.modelType().wireName(), windowStart.get()),
                                    WindowAccumulator::addAll)
                            .flatMapIterable(acc -> {
                                Instant end = now();
                                windowStart.set(end);
                                long decodeNow = decodeErrors.getAsLong();
                                long decode = decodeNow - decodeSeen[0];
                                decodeSeen[0] = decodeNow;
                                return acc.close(end, decode);
                            }))
                    .concatWith(Mono.defer(() -> {
                        Throwable t = failure.get();
                        return t == null ? Mono.empty() : Mono.error(t);
                    }));
        });
    }

    private Instant now() {
        return Instant.ofEpochMilli(options.scheduler().now(TimeUnit.MILLISECONDS));
    }
}
