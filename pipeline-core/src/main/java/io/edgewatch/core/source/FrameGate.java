package io.edgewatch.core.source;

/**
 * Decides, before a frame's pixels are converted and copied, whether the pipeline will use it. A
 * source that can ask early ({@link FrameSource#frames(FrameGate)}) grabs and decodes every frame
 * (a decoder needs them all) but converts to BGR only the frames the gate keeps, and emits the
 * others as {@linkplain io.edgewatch.core.frame.VideoFrame#skipped skipped} frames without pixels,
 * so they are still counted. A gate is stateful and belongs to one subscription; it is asked once
 * per frame, in order, on the source's thread.
 */
@FunctionalInterface
public interface FrameGate {

    /** Keeps every frame. */
    FrameGate ALL = (mediaTimestampMicros, capturedNanos) -> true;

    /**
     * True when the frame will be used.
     *
     * @param mediaTimestampMicros the frame's presentation time in the stream, or -1 when unknown
     * @param capturedNanos {@link System#nanoTime()} when the frame left the grabber
     */
    boolean keep(long mediaTimestampMicros, long capturedNanos);
}
