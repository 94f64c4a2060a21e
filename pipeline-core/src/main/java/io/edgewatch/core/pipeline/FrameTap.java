package io.edgewatch.core.pipeline;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceResult;

/**
 * Sees each inferred frame with its result, on the inference stage's thread, before the
 * pipeline's reference to the frame is released. A tap that wants the pixels later takes a
 * reference of its own ({@link VideoFrame#tryRetain()}) and releases it when done; one that does
 * not must return quickly and copy nothing: it runs once per inferred frame.
 */
@FunctionalInterface
public interface FrameTap {

    /** The tap that does nothing. */
    FrameTap NONE = (frame, result) -> {
    };

    /** {@code frame} was inferred with {@code result}. */
    void inferred(VideoFrame frame, InferenceResult result);

    /** This tap, then {@code next}. */
    default FrameTap andThen(FrameTap next) {
        if (next == NONE) {
            return this;
        }
        if (this == NONE) {
            return next;
        }
        return (frame, result) -> {
            inferred(frame, result);
            next.inferred(frame, result);
        };
    }
}
