package io.edgewatch.source.internal;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

import io.edgewatch.core.frame.FramePool;

/**
 * Converts a decoded picture (the grabber's own frame, in the decoder's pixel format) to BGR
 * straight into a pooled buffer with swscale: the same conversion {@code FFmpegFrameGrabber} does
 * in its colour mode (same flags, so the same pixels), but into a buffer the frame owns, which
 * saves copying every frame out of the grabber's reused one. Not thread-safe: one per grabber
 * session, used on its owner thread.
 *
 * <p>The swscale context is made once per picture size and format, not looked up with
 * {@code sws_getCachedContext} per frame as the grabber does: for the full-range formats MJPEG
 * decodes to ({@code yuvj420p}, …) that call never matches its cached context and makes a new one
 * every frame, with a "deprecated pixel format" warning each time.
 */
final class BgrConverter implements AutoCloseable {

    private SwsContext context;
    private int contextWidth;
    private int contextHeight;
    private int contextFormat = -1;
    private int contextOutWidth;
    private int contextOutHeight;
    private long contextsMade;
    private final PointerPointer<?> target = new PointerPointer<>(4);
    private final IntPointer targetStride = new IntPointer(4);

    /**
     * A new frame-sized BGR buffer from {@code pool} holding {@code picture} converted.
     *
     * @throws IllegalStateException when swscale cannot convert from the picture's format
     */
    Mat convert(AVFrame picture, FramePool pool) {
        return convert(picture, pool, picture.width(), picture.height());
    }

    /** As above, scaled to {@code outWidth}x{@code outHeight} in the same pass. */
    Mat convert(AVFrame picture, FramePool pool, int outWidth, int outHeight) {
        int width = picture.width();
        int height = picture.height();
        int format = picture.format();
        if (context == null || width != contextWidth || height != contextHeight || format != contextFormat
                || outWidth != contextOutWidth || outHeight != contextOutHeight) {
            if (context != null) {
                swscale.sws_freeContext(context);
            }
            context = swscale.sws_getContext(width, height, format, outWidth, outHeight, avutil.AV_PIX_FMT_BGR24,
                    swscale.SWS_BILINEAR, null, null, (DoublePointer) null);
            contextsMade++;
            contextWidth = width;
            contextHeight = height;
            contextFormat = format;
            contextOutWidth = outWidth;
            contextOutHeight = outHeight;
        }
        if (context == null) {
            contextFormat = -1;
            throw new IllegalStateException("swscale cannot convert " + width + "x" + height + " pictures of pixel format "
                    + picture.format() + " to BGR");
        }
        Mat out = pool.take(outHeight, outWidth, opencv_core.CV_8UC3);
        target.put(0, out.data());
        targetStride.put(0, (int) out.step());
        int rows = swscale.sws_scale(context, picture.data(), picture.linesize(), 0, height, target, targetStride);
        if (rows != outHeight) {
            out.close();
            throw new IllegalStateException("swscale converted " + rows + " of " + outHeight + " rows");
        }
        return out;
    }

    /** swscale contexts made so far: one per size and format the stream has had. */
    long contextsMade() {
        return contextsMade;
    }

    @Override
    public void close() {
        if (context != null) {
            swscale.sws_freeContext(context);
            context = null;
        }
        target.close();
        targetStride.close();
    }
}
