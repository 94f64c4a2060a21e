package io.edgewatch.core.aggregate;

/**
 * A latency distribution over one window, in milliseconds. Percentiles come from a histogram with
 * two significant digits; all values are 0 when {@code count} is 0.
 */
public record LatencyStats(long count, double meanMillis, double p50Millis, double p95Millis,
                           double p99Millis, double maxMillis) {

    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0);
}
