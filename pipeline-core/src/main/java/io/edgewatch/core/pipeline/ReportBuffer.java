package io.edgewatch.core.pipeline;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowReport;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;

/**
 * Decouples the windows from the sinks: the aggregator upstream is asked for every report at
 * once, and up to {@code capacity} reports wait here for a sink that is slower than the windows
 * (a write longer than {@code frequency}: a network sink's linger, a disk stall). When the
 * buffer is full the oldest waiting report is dropped: counted ({@link #dropped()}), logged once
 * per run with the camera's id, never an error.
 *
 * <p>Without it the aggregator's window operator would be asked for its next window only after
 * the previous report was written, and a tick with no demand fails the camera ("Could not create
 * new window due to lack of requests"). Order is kept; completion and errors pass once the
 * reports before them are taken; on cancel the waiting reports are discarded (they hold nothing
 * native).
 */
final class ReportBuffer implements Function<Flux<WindowReport>, Flux<WindowReport>> {

    private static final Logger log = LoggerFactory.getLogger(ReportBuffer.class);

    private final String cameraId;
    private final int capacity;
    private final AtomicLong dropped = new AtomicLong();

    ReportBuffer(String cameraId, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.cameraId = cameraId;
        this.capacity = capacity;
    }

    /** Reports dropped so far, over every run of this buffer's camera. */
    long dropped() {
        return dropped.get();
    }

    @Override
    public Flux<WindowReport> apply(Flux<WindowReport> reports) {
        return Flux.defer(() -> {
            long before = dropped.get();
            return reports
                    .onBackpressureBuffer(capacity, report -> {
                        if (dropped.incrementAndGet() == before + 1) {
                            log.warn("camera {}: its sinks are {} window(s) behind; the oldest waiting report (window ending {})"
                                    + " is dropped, and each one after it while they stay behind (counted; the camera goes on)",
                                    cameraId, capacity, report.windowEnd());
                        }
                    }, BufferOverflowStrategy.DROP_OLDEST)
                    .doFinally(signal -> {
                        long lost = dropped.get() - before;
                        if (lost > 0) {
                            log.warn("camera {}: {} report(s) dropped in this run: its sinks were slower than its windows",
                                    cameraId, lost);
                        }
                    });
        });
    }
}
