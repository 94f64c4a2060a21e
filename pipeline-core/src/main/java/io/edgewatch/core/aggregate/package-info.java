/**
 * Windowed aggregation of one camera: {@link io.edgewatch.core.aggregate.WindowAggregator} turns
 * {@code FrameEvent}s into one {@link io.edgewatch.core.aggregate.WindowReport} per model per window,
 * on the timer of its {@link io.edgewatch.core.aggregate.WindowOptions}; empty windows are reported
 * too. The report types are immutable values, safe to share across threads. Frames of events that
 * are still {@code Captured} when they arrive are released here. When the input errors, the open
 * window is emitted and then the error is passed on. The implementation is in {@code internal}.
 */
package io.edgewatch.core.aggregate;
