package io.edgewatch.core.event;

import java.util.Locale;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.InferenceResult;

/**
 * What happened to one frame on its way through a camera's pipeline. The window aggregator counts
 * every event as a frame seen; {@link Inferred} adds predictions, {@link Dropped} and
 * {@link Failed} are counted.
 */
public sealed interface FrameEvent {

    /** The frame's sequence number in its source. */
    long sequence();

    /** A frame that is on its way to inference; it owns pixels that must be released. */
    record Captured(VideoFrame frame) implements FrameEvent {
        @Override
        public long sequence() {
            return frame.sequence();
        }
    }

    /** A frame that was not inferred, and why. */
    record Dropped(long sequence, DropReason reason) implements FrameEvent {
    }

    /**
     * A frame whose inference succeeded.
     *
     * @param result what the model said
     * @param decodeNanos how long the source took to produce the frame, -1 when unknown
     * @param waitNanos from the frame being ready to its inference starting (queued behind other
     *                  frames), -1 when unknown
     */
    record Inferred(InferenceResult result, long decodeNanos, long waitNanos) implements FrameEvent {

        /** A result whose decode and wait times are unknown. */
        public Inferred(InferenceResult result) {
            this(result, -1, -1);
        }

        @Override
        public long sequence() {
            return result.frameSequence();
        }
    }

    /** A frame whose inference failed. */
    record Failed(long sequence, InferenceException.Kind kind, String message) implements FrameEvent {
    }

    /** Why a frame was not inferred. */
    enum DropReason {
        /** Above the configured {@code max_fps}. */
        RATE_LIMIT,
        /** A newer frame arrived while inference was busy (live sources). */
        INFERENCE_BUSY,
        /** Too old to be worth inferring. */
        STALE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
