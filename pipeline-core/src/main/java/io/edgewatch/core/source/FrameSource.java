package io.edgewatch.core.source;

import java.time.Instant;

import io.edgewatch.core.frame.VideoFrame;
import reactor.core.publisher.Flux;

/**
 * A camera, file or generator of frames.
 *
 * <p>{@link #frames()} is cold: each subscription opens the source, grabs on a thread of its own,
 * and emits frames that own their pixels (the subscriber releases each one). It honours demand:
 * a file is read no faster than it is consumed. It completes at the end of a file, and errors
 * with a message naming the source when it cannot be opened or read. Cancelling closes the source
 * on its own thread.
 */
public interface FrameSource {

    /** The frames, as described above. */
    Flux<VideoFrame> frames();

    /**
     * The frames, each asked of {@code gate} before its pixels are converted: a frame the gate does
     * not keep comes as a {@linkplain VideoFrame#isSkipped() skipped} frame without pixels. This
     * default asks after the conversion (and frees the pixels at once); a source that can skip the
     * conversion overrides it.
     */
    default Flux<VideoFrame> frames(FrameGate gate) {
        if (gate == FrameGate.ALL) {
            return frames();
        }
        return frames().map(f -> gate.keep(f.mediaTimestampMicros(), f.capturedNanos()) ? f : f.skip());
    }

    /** What this source reads, fit for logs: no credentials. */
    String describe();

    /** True for cameras and streams, whose frames arrive in real time whether or not they are read. */
    boolean live();

    /**
     * Frames, or parts of frames, the source's decoder reported as corrupt since it was made (the
     * decoder conceals them; the frames still arrive). Zero for sources that cannot tell.
     */
    default long decodeErrors() {
        return 0;
    }

    /**
     * The video decoder the source's last connection opened, as FFmpeg names it ({@code h264},
     * {@code h264_cuvid}); null before the first or for sources that do not decode.
     */
    default String decoder() {
        return null;
    }

    /** Connections that fell back to software from the hardware decoder asked for. */
    default long decoderFallbacks() {
        return 0;
    }

    /** The source's state now; sources that do not track it say {@code STREAMING} since the epoch. */
    default SourceStatus status() {
        return new SourceStatus(SourceStatus.State.STREAMING, Instant.EPOCH, 0, null);
    }
}
