package io.edgewatch.core.pipeline;

import java.util.Optional;
import java.util.function.BiFunction;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceResult;

/**
 * The last frame a camera inferred, with its result, for a snapshot. Keeping it costs one
 * reference per inferred frame (the previous one is given back): no copy, no encoding; a reader
 * takes its own reference while it reads, so the pixels stay valid however long an encode takes.
 * At most one frame per camera is held beyond the pipeline's own. {@link #off()} keeps nothing
 * (for sites where images must not leave the process).
 */
public final class LastFrame implements FrameTap {

    private final boolean on;
    private VideoFrame frame;
    private InferenceResult result;

    private LastFrame(boolean on) {
        this.on = on;
    }

    /** Keeps the last inferred frame. */
    public static LastFrame keeping() {
        return new LastFrame(true);
    }

    /** Keeps nothing. */
    public static LastFrame off() {
        return new LastFrame(false);
    }

    public boolean isOn() {
        return on;
    }

    /** The frame was inferred with {@code result}: it becomes the last one (a reference of its own). */
    @Override
    public void inferred(VideoFrame f, InferenceResult r) {
        keep(f, r);
    }

    void keep(VideoFrame f, InferenceResult r) {
        if (!on || !f.tryRetain()) {
            return;
        }
        VideoFrame old;
        synchronized (this) {
            old = frame;
            frame = f;
            result = r;
        }
        if (old != null) {
            old.release();
        }
    }

    /** Reads the last frame and its result while holding a reference; empty when there is none. */
    public <T> Optional<T> read(BiFunction<VideoFrame, InferenceResult, T> reader) {
        VideoFrame f;
        InferenceResult r;
        synchronized (this) {
            f = frame;
            r = result;
            if (f == null || !f.tryRetain()) {
                return Optional.empty();
            }
        }
        try {
            return Optional.ofNullable(reader.apply(f, r));
        } finally {
            f.release();
        }
    }

    /** Gives the frame back (the camera stopped); a reader that holds it keeps it until it is done. */
    public void clear() {
        VideoFrame old;
        synchronized (this) {
            old = frame;
            frame = null;
            result = null;
        }
        if (old != null) {
            old.release();
        }
    }
}
