package io.edgewatch.core.clock;

import java.time.Duration;
import java.time.Instant;

/**
 * One step of the wall clock against the monotonic clock.
 *
 * @param size how far the wall clock moved beyond the time that passed: positive forward, negative back
 * @param before the wall time the old clock would have said at the step
 * @param after the wall time the new clock says at the step
 * @param count steps seen by the watch so far, this one included
 */
public record ClockStep(Duration size, Instant before, Instant after, long count) {

    /** {@link #size()} in seconds, signed, as {@code clock_step_s} reports it. */
    public double seconds() {
        return size.toNanos() / 1e9;
    }
}
