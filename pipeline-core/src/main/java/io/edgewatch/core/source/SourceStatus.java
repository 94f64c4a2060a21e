package io.edgewatch.core.source;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where a source is now, for health reporting: its state and since when, how often it has
 * reconnected, the last error (no credentials in it), since when it has not been streaming
 * (across every reconnect attempt), and the time it spent in each state before this one.
 *
 * @param state the state now
 * @param since when it entered this state (each reconnect attempt is a new state)
 * @param reconnects reconnect attempts so far
 * @param lastError the last error, or null
 * @param downSince when the source last stopped streaming (or was created, if it never did); null while streaming
 * @param before time spent in each state up to {@code since}
 */
public record SourceStatus(State state, Instant since, long reconnects, String lastError, Instant downSince,
                           Map<State, Duration> before) {

    public SourceStatus {
        EnumMap<State, Duration> copy = new EnumMap<>(State.class);
        copy.putAll(before);
        before = Collections.unmodifiableMap(copy);
        if (state == State.STREAMING) {
            downSince = null;
        } else if (downSince == null) {
            downSince = since;
        }
    }

    /** A status with no history: down since {@code since} unless streaming. */
    public SourceStatus(State state, Instant since, long reconnects, String lastError) {
        this(state, since, reconnects, lastError, null, Map.of());
    }

    /** The status after a change to {@code next} at {@code at}: the time in this state is added to the history. */
    public SourceStatus next(State next, Instant at, long reconnects, String lastError) {
        EnumMap<State, Duration> totals = new EnumMap<>(State.class);
        totals.putAll(before);
        Duration spent = Duration.between(since, at);
        totals.merge(state, spent.isNegative() ? Duration.ZERO : spent, Duration::plus);
        Instant down = next == State.STREAMING ? null : downSince != null ? downSince : at;
        return new SourceStatus(next, at, reconnects, lastError, down, totals);
    }

    /** All the time spent in {@code s}, up to {@code now}. */
    public Duration timeIn(State s, Instant now) {
        Duration t = before.getOrDefault(s, Duration.ZERO);
        if (s == state && now.isAfter(since)) {
            t = t.plus(Duration.between(since, now));
        }
        return t;
    }

    /** How long the source has not been streaming at {@code now}; zero while it streams. */
    public Duration down(Instant now) {
        return downSince == null || now.isBefore(downSince) ? Duration.ZERO : Duration.between(downSince, now);
    }

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
