/**
 * Not API: the window aggregator's per-frame reduction ({@code FrameSummary}) and per-window state
 * ({@code WindowAccumulator}, {@code ClassTally}). {@code FrameSummary} and
 * {@code WindowAccumulator} are public only for {@code io.edgewatch.core.aggregate.WindowAggregator}
 * (and this module's tests); no other package or module may use them. Not thread-safe: the
 * aggregator feeds an accumulator from one thread at a time. {@code FrameSummary.of} releases the
 * frame of a {@code Captured} event.
 */
package io.edgewatch.core.aggregate.internal;
