package io.edgewatch.core.frame;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Pixel buffers of one source, handed back and reused instead of freed. A camera allocates a
 * full-size buffer per frame; freeing it and allocating the next one makes the C allocator return
 * the memory to the kernel and fault it in again, which costs more than the copy itself (a 1080p
 * frame is 6 MB). At most {@code capacity} idle buffers are kept; the rest are freed. Thread-safe:
 * buffers come back from whichever thread released the last reference to their frame.
 * {@link #outstanding()} counts the buffers handed out and not yet given back: a pipeline that
 * has ended with every frame released leaves it at zero (what the release tests check).
 */
public final class FramePool implements AutoCloseable {

    private final ArrayBlockingQueue<Mat> idle;
    private final AtomicInteger outstanding = new AtomicInteger();
    /** {@link #outstanding} summed over every pool of the process. */
    private static final AtomicInteger OUTSTANDING_EVERYWHERE = new AtomicInteger();
    private volatile boolean closed;

    public FramePool(int capacity) {
        this.idle = new ArrayBlockingQueue<>(capacity);
    }

    /** An idle buffer of that shape and type, or a new one. Its content is undefined. */
    public Mat take(int rows, int cols, int type) {
        outstanding.incrementAndGet();
        OUTSTANDING_EVERYWHERE.incrementAndGet();
        Mat m;
        while ((m = idle.poll()) != null) {
            if (m.rows() == rows && m.cols() == cols && m.type() == type) {
                return m;
            }
            m.close();
        }
        return new Mat(rows, cols, type);
    }

    /** Takes back a buffer {@link #take} handed out; frees it when the pool is full or closed. */
    public void recycle(Mat m) {
        outstanding.decrementAndGet();
        OUTSTANDING_EVERYWHERE.decrementAndGet();
        if (closed || !idle.offer(m)) {
            m.close();
            return;
        }
        if (closed) {
            drain();
        }
    }

    /** Idle buffers held now. */
    public int idle() {
        return idle.size();
    }

    /** Buffers handed out by {@link #take} and not yet {@linkplain #recycle recycled}: frames still held. */
    public int outstanding() {
        return outstanding.get();
    }

    /** Buffers handed out and not yet given back, over every pool of the process (every camera's, past and present). */
    public static int outstandingEverywhere() {
        return OUTSTANDING_EVERYWHERE.get();
    }

    /** Frees the idle buffers; buffers that come back later are freed at once. Idempotent. */
    @Override
    public void close() {
        closed = true;
        drain();
    }

    private void drain() {
        Mat m;
        while ((m = idle.poll()) != null) {
            m.close();
        }
    }
}
