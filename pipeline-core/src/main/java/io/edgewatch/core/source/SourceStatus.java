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
 * <p>A status stamped with the monotonic clock ({@link System#nanoTime()}, as edgewatch's own
 * sources stamp theirs) measures every duration on it ({@link #down}, {@link #timeIn}, the
 * history): a step of the wall clock (NTP correcting a board without a battery-backed clock)
 * changes only the {@code since} labels, never how long a source has been down. An unstamped
 * status ({@link #UNSTAMPED}) measures between the wall instants it is given.
 *
 * @param state the state now
 * @param since when it entered this state (each reconnect attempt is a new state), on the wall clock
 * @param reconnects reconnect attempts so far
 * @param lastError the last error, or null
 * @param downSince when the source last stopped streaming (or was created, if it never did); null while streaming
 * @param before time spent in each state up to {@code since}
 * @param sinceNanos {@code since} on the monotonic clock, or {@link #UNSTAMPED}
 * @param downSinceNanos {@code downSince} on the monotonic clock, or {@link #UNSTAMPED}
 */
public record SourceStatus(State state, Instant since, long reconnects, String lastError, Instant downSince,
                           Map<State, Duration> before, long sinceNanos, long downSinceNanos) {

    /** No monotonic stamp: durations are taken between the wall instants given. */
    public static final long UNSTAMPED = Long.MIN_VALUE;

    public SourceStatus {
        EnumMap<State, Duration> copy = new EnumMap<>(State.class);
        copy.putAll(before);
        before = Collections.unmodifiableMap(copy);
        if (state == State.STREAMING) {
            downSince = null;
            downSinceNanos = UNSTAMPED;
        } else if (downSince == null) {
            downSince = since;
            downSinceNanos = sinceNanos;
        }
    }

    /** A status with no history and no monotonic stamp: down since {@code since} unless streaming. */
    public SourceStatus(State state, Instant since, long reconnects, String lastError) {
        this(state, since, reconnects, lastError, null, Map.of(), UNSTAMPED, UNSTAMPED);
    }

    /** A status with no history, entered at {@code since} on the wall clock and {@code sinceNanos} on the monotonic one. */
    public SourceStatus(State state, Instant since, long sinceNanos, long reconnects, String lastError) {
        this(state, since, reconnects, lastError, null, Map.of(), sinceNanos, sinceNanos);
    }

    /** The status after a change to {@code next} at {@code at}, unstamped: the time in this state is added to the history. */
    public SourceStatus next(State next, Instant at, long reconnects, String lastError) {
        return next(next, at, UNSTAMPED, reconnects, lastError);
    }

    /** As above, at {@code atNanos} on the monotonic clock: the time in this state is measured on it when this status is stamped too. */
    public SourceStatus next(State next, Instant at, long atNanos, long reconnects, String lastError) {
        EnumMap<State, Duration> totals = new EnumMap<>(State.class);
        totals.putAll(before);
        Duration spent = stamped(sinceNanos) && stamped(atNanos) ? Duration.ofNanos(atNanos - sinceNanos) : Duration.between(since, at);
        totals.merge(state, spent.isNegative() ? Duration.ZERO : spent, Duration::plus);
        boolean keepDown = next != State.STREAMING && downSince != null;
        Instant down = next == State.STREAMING ? null : keepDown ? downSince : at;
        long downNanos = next == State.STREAMING ? UNSTAMPED : keepDown ? downSinceNanos : atNanos;
        return new SourceStatus(next, at, reconnects, lastError, down, totals, atNanos, downNanos);
    }

    /** All the time spent in {@code s}, up to now ({@code now} on the wall clock, used only by an unstamped status). */
    public Duration timeIn(State s, Instant now) {
        Duration t = before.getOrDefault(s, Duration.ZERO);
        if (s == state) {
            t = t.plus(since(since, sinceNanos, now));
        }
        return t;
    }

    /** How long the source has not been streaming, now; zero while it streams ({@code now} as for {@link #timeIn}). */
    public Duration down(Instant now) {
        return downSince == null ? Duration.ZERO : since(downSince, downSinceNanos, now);
    }

    private static Duration since(Instant wall, long nanos, Instant now) {
        if (stamped(nanos)) {
            return Duration.ofNanos(Math.max(0, System.nanoTime() - nanos));
        }
        return now.isAfter(wall) ? Duration.between(wall, now) : Duration.ZERO;
    }

    private static boolean stamped(long nanos) {
        return nanos != UNSTAMPED;
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
