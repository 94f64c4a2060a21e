package io.edgewatch.core.source;

import java.time.Instant;

/**
 * Where a source is now, for health reporting: its state and since when, how often it has
 * reconnected, and the last error (no credentials in it).
 */
public record SourceStatus(State state, Instant since, long reconnects, String lastError) {

    /** The life of a source. */
    public enum State {
        /** Opening the stream or device. */
        CONNECTING,
        /** Frames are flowing. */
        STREAMING,
        /** Lost or never reached; waiting to try again. */
        RECONNECTING,
        /** Ended on purpose (stop, end of a file). */
        STOPPED,
        /** Ended with an error and will not be retried (files). */
        FAILED
    }
}
