package io.edgewatch.sink.outbox;

import java.time.Duration;

/**
 * How one destination's bodies carry wall-clock times, for the entries its sink appended while the
 * wall clock was known wrong (earlier than the build, see {@link Outbox#holdWhileClockWrong}): the
 * outbox holds them, and once a step of the clock is known it hands each held body to
 * {@link #restamp} with the step's size; if no step comes within the hold, to {@link #flag}. A sink
 * registers its own with {@link Outbox#restamper} when it starts; a destination without one has its
 * bodies released as they are.
 *
 * <p>Both are called under the outbox's lock, inside the transaction that releases the entries:
 * they must be quick, pure functions of their arguments, and must not call the outbox. A body they
 * cannot read is returned as it is (a runtime exception is taken for that, and logged).
 */
public interface Restamper {

    /** Releases every body as it is: what a destination whose bodies carry no wall time (a metadata request) uses. */
    Restamper NONE = new Restamper() {
        @Override
        public byte[] restamp(String kind, byte[] body, Duration by) {
            return body;
        }

        @Override
        public byte[] flag(String kind, byte[] body) {
            return body;
        }
    };

    /**
     * {@code body}, of {@code kind}, with every wall time it carries moved by {@code by} (positive: the clock was
     * behind), so that it says what the corrected clock would have said.
     */
    byte[] restamp(String kind, byte[] body, Duration by);

    /**
     * {@code body}, of {@code kind}, marked as stamped on a clock known wrong and never corrected (JSON bodies:
     * {@code "clock_suspect": true}).
     */
    byte[] flag(String kind, byte[] body);
}
