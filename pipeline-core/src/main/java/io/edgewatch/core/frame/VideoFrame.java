package io.edgewatch.core.frame;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One decoded frame of one camera that owns its pixels: a BGR {@link Mat} copied out of the
 * grabber's reused buffer, so it may cross threads.
 *
 * <p>The pixels live in native memory and are freed when the last reference is released. The
 * creator holds one reference; anybody who reads the pixels on another thread (an inference
 * worker) takes its own with {@link #tryRetain()} and gives it back with {@link #release()}, so a
 * pipeline that is cancelled while a detector is still reading never frees memory under it.
 * {@link #release()} beyond the count is ignored, which makes it safe to use in Reactor's
 * discard hooks (which must be idempotent). The pixels go back to the source's {@link FramePool}
 * when it has one.
 */
public final class VideoFrame implements AutoCloseable {

    private final String cameraId;
    private final long sequence;
    private final long capturedNanos;
    private final Instant capturedAt;
    private final long mediaTimestampMicros;
    private final Mat pixels;
    private final FramePool pool;
    private final long decodeNanos;
    private final AtomicInteger references;

    /**
     * @param cameraId the camera this frame came from
     * @param sequence the frame's position in its source, from 0, counting every decoded frame
     * @param capturedNanos {@link System#nanoTime()} when the frame left the grabber
     * @param capturedAt wall-clock time of the same moment
     * @param mediaTimestampMicros the frame's presentation time in the stream, or -1 when unknown
     * @param pixels BGR pixels that this frame now owns; closed on the last release
     */
    public VideoFrame(String cameraId, long sequence, long capturedNanos, Instant capturedAt,
                      long mediaTimestampMicros, Mat pixels) {
        this(cameraId, sequence, capturedNanos, capturedAt, mediaTimestampMicros, pixels, null);
    }

    /** As above, with pixels that go back to {@code pool} (when not null) on the last release. */
    public VideoFrame(String cameraId, long sequence, long capturedNanos, Instant capturedAt,
                      long mediaTimestampMicros, Mat pixels, FramePool pool) {
        this(cameraId, sequence, capturedNanos, capturedAt, mediaTimestampMicros, pixels, pool, -1);
    }

    /**
     * As above, with how long the source took to produce the frame: grabbing and decoding it and
     * copying its pixels out (for a live source, also waiting for the camera's next packet); -1
     * when unknown.
     */
    public VideoFrame(String cameraId, long sequence, long capturedNanos, Instant capturedAt,
                      long mediaTimestampMicros, Mat pixels, FramePool pool, long decodeNanos) {
        this.decodeNanos = decodeNanos;
        this.cameraId = cameraId;
        this.sequence = sequence;
        this.capturedNanos = capturedNanos;
        this.capturedAt = capturedAt;
        this.mediaTimestampMicros = mediaTimestampMicros;
        this.pixels = pixels;
        this.pool = pool;
        // a skipped frame owns nothing: released from the start
        this.references = new AtomicInteger(pixels == null ? 0 : 1);
    }

    /**
     * A frame the source grabbed and decoded but did not convert, because the pipeline's
     * {@link io.edgewatch.core.source.FrameGate} said it will not be used: it has no pixels, is
     * released from the start, and is counted as seen and dropped.
     */
    public static VideoFrame skipped(String cameraId, long sequence, long capturedNanos, Instant capturedAt,
                                     long mediaTimestampMicros, long decodeNanos) {
        return new VideoFrame(cameraId, sequence, capturedNanos, capturedAt, mediaTimestampMicros, null, null, decodeNanos);
    }

    /** This frame as a {@linkplain #skipped skipped} one: its pixels are released now. */
    public VideoFrame skip() {
        release();
        return skipped(cameraId, sequence, capturedNanos, capturedAt, mediaTimestampMicros, decodeNanos);
    }

    /** True for a frame without pixels, which the pipeline will not use. */
    public boolean isSkipped() {
        return pixels == null;
    }

    public String cameraId() {
        return cameraId;
    }

    /** Nanoseconds the source took to grab, decode and copy this frame; -1 when unknown. */
    public long decodeNanos() {
        return decodeNanos;
    }

    public long sequence() {
        return sequence;
    }

    public long capturedNanos() {
        return capturedNanos;
    }

    public Instant capturedAt() {
        return capturedAt;
    }

    public long mediaTimestampMicros() {
        return mediaTimestampMicros;
    }

    /** The frame's width in pixels; 0 for a skipped frame. */
    public int width() {
        return pixels == null ? 0 : pixels.cols();
    }

    /** The frame's height in pixels; 0 for a skipped frame. */
    public int height() {
        return pixels == null ? 0 : pixels.rows();
    }

    /**
     * The pixels, valid only while the caller holds a reference.
     *
     * @throws IllegalStateException when the frame has already been released
     */
    public Mat pixels() {
        if (references.get() <= 0) {
            throw new IllegalStateException("frame " + sequence + " of camera " + cameraId
                    + (pixels == null ? " was skipped: it has no pixels" : " was already released"));
        }
        return pixels;
    }

    /** Takes one more reference; false when the frame was already freed (the caller must not read it). */
    public boolean tryRetain() {
        for (;;) {
            int n = references.get();
            if (n <= 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives one reference back; the last one frees the pixels. Extra calls do nothing. */
    public void release() {
        for (;;) {
            int n = references.get();
            if (n <= 0) {
                return;
            }
            if (references.compareAndSet(n, n - 1)) {
                if (n == 1) {
                    if (pool != null) {
                        pool.recycle(pixels);
                    } else {
                        pixels.close();
                    }
                }
                return;
            }
        }
    }

    /** True once the pixels have been freed. */
    public boolean isReleased() {
        return references.get() <= 0;
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "VideoFrame[" + cameraId + "#" + sequence + "]";
    }
}
