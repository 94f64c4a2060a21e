/**
 * The two clocks of the process: {@link io.edgewatch.core.clock.ClockWatch} measures on the
 * monotonic clock, labels with the wall clock, and notices when the wall clock steps (NTP
 * correcting a board without a battery-backed clock, an operator's {@code date -s}).
 */
package io.edgewatch.core.clock;
