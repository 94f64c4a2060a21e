package io.edgewatch.core.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.source.SourceStatus.State;

class SourceStatusTest {

    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void timeInEachStateAddsUpAcrossChangesAndDownTimeSpansEveryAttempt() {
        SourceStatus s = new SourceStatus(State.CONNECTING, T0, 0, null);
        assertThat(s.downSince()).isEqualTo(T0);
        s = s.next(State.STREAMING, T0.plusSeconds(2), 0, null);
        assertThat(s.downSince()).isNull();
        assertThat(s.down(T0.plusSeconds(50))).isZero();
        s = s.next(State.RECONNECTING, T0.plusSeconds(62), 1, "lost");
        s = s.next(State.CONNECTING, T0.plusSeconds(63), 1, "lost");
        s = s.next(State.RECONNECTING, T0.plusSeconds(78), 2, "timeout");
        Instant now = T0.plusSeconds(80);
        // down since 62 s although this attempt began at 78 s
        assertThat(s.downSince()).isEqualTo(T0.plusSeconds(62));
        assertThat(s.down(now)).isEqualTo(Duration.ofSeconds(18));
        assertThat(s.timeIn(State.CONNECTING, now)).isEqualTo(Duration.ofSeconds(2 + 15));
        assertThat(s.timeIn(State.STREAMING, now)).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.timeIn(State.RECONNECTING, now)).isEqualTo(Duration.ofSeconds(1 + 2));
        assertThat(s.timeIn(State.FAILED, now)).isZero();
        assertThat(s.reconnects()).isEqualTo(2);
        s = s.next(State.STREAMING, now, 2, "timeout");
        assertThat(s.downSince()).isNull();
        assertThat(s.timeIn(State.STREAMING, T0.plusSeconds(90))).isEqualTo(Duration.ofSeconds(70));
    }

    /**
     * A status stamped on the monotonic clock measures down time and time in a state on it: the
     * wall clock stepping an hour forward or back (review-lifecycle 7) changes neither, where the
     * first wave counted a down source as down for an hour (source_down at once) or for nothing.
     */
    @Test
    void aStampedStatusMeasuresOnTheMonotonicClockWhateverTheWallClockSays() {
        long fiveSecondsAgo = System.nanoTime() - Duration.ofSeconds(5).toNanos();
        SourceStatus s = new SourceStatus(State.STREAMING, T0, fiveSecondsAgo - Duration.ofSeconds(20).toNanos(), 0, null)
                .next(State.RECONNECTING, T0.plusSeconds(20), fiveSecondsAgo, 1, "lost");
        assertThat(s.timeIn(State.STREAMING, T0)).isEqualTo(Duration.ofSeconds(20));
        for (Instant wallNow : new Instant[] {T0.plusSeconds(25).plus(Duration.ofHours(1)), T0.plusSeconds(25).minus(Duration.ofHours(1))}) {
            assertThat(s.down(wallNow)).as("down at wall %s", wallNow).isGreaterThanOrEqualTo(Duration.ofSeconds(5))
                    .isLessThan(Duration.ofMinutes(30));
            assertThat(s.timeIn(State.RECONNECTING, wallNow)).isGreaterThanOrEqualTo(Duration.ofSeconds(5))
                    .isLessThan(Duration.ofMinutes(30));
        }
        // a later attempt keeps the monotonic start of the outage
        SourceStatus again = s.next(State.CONNECTING, T0.minus(Duration.ofHours(1)), System.nanoTime(), 1, "lost");
        assertThat(again.downSinceNanos()).isEqualTo(fiveSecondsAgo);
        assertThat(again.down(T0)).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(again.next(State.STREAMING, T0, System.nanoTime(), 1, null).down(T0)).isZero();
    }
}
