package io.edgewatch.core.clock;

import java.time.Instant;
import java.util.Objects;

import io.edgewatch.core.Version;

/**
 * The earliest wall time that can be right: a wall clock that reads earlier is known wrong (a
 * board that booted without a battery-backed clock, before NTP corrected it). The daemon's floor
 * is its build's time ({@link #build()}): no clock that ran this build can be earlier than that.
 *
 * @param earliest the first instant that can be right
 */
public record ClockFloor(Instant earliest) {

    /** No floor: no wall time is known wrong (a build that does not know its time, tests). */
    public static final ClockFloor NONE = new ClockFloor(Instant.MIN);

    public ClockFloor {
        Objects.requireNonNull(earliest, "earliest");
    }

    /** The build's time ({@link Version#builtAt()}), or {@link #NONE} when the build does not know it. */
    public static ClockFloor build() {
        return Version.builtAt().map(ClockFloor::new).orElse(NONE);
    }

    /** Whether a clock that reads {@code wall} is known wrong: it reads earlier than {@link #earliest()}. */
    public boolean wrong(Instant wall) {
        return wall.isBefore(earliest);
    }
}
