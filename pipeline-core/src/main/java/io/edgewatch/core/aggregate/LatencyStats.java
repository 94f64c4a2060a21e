package io.edgewatch.core.aggregate;

import java.util.Arrays;

/**
 * A latency distribution over one window, in milliseconds. Percentiles come from a histogram with
 * two significant digits; all values are 0 when {@code count} is 0.
 *
 * @param buckets how many values fell in each of {@link #BOUNDS_SECONDS} (value &le; bound and
 *                above the bound before it), then how many above the last; not cumulative, so
 *                windows add up bucket by bucket. Null when not known.
 */
public record LatencyStats(long count, double meanMillis, double p50Millis, double p95Millis,
                           double p99Millis, double maxMillis, long[] buckets) {

    /**
     * The upper bounds, in seconds, of the buckets every latency is counted in: Prometheus's
     * defaults from 1 ms to 10 s, fine enough for a detector call (5 ms to 2 s) and a whole frame.
     */
    public static final double[] BOUNDS_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0, new long[BOUNDS_SECONDS.length + 1]);

    public LatencyStats {
        if (buckets != null && buckets.length != BOUNDS_SECONDS.length + 1) {
            throw new IllegalArgumentException("a latency needs " + (BOUNDS_SECONDS.length + 1) + " bucket counts, not " + buckets.length);
        }
    }

    /** Percentiles only, no bucket counts (a distribution summarised elsewhere). */
    public LatencyStats(long count, double meanMillis, double p50Millis, double p95Millis, double p99Millis, double maxMillis) {
        this(count, meanMillis, p50Millis, p95Millis, p99Millis, maxMillis, null);
    }

    /** The bucket a latency of {@code millis} falls in. */
    public static int bucket(double millis) {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            if (millis <= BOUNDS_SECONDS[i] * 1000) {
                return i;
            }
        }
        return BOUNDS_SECONDS.length;
    }

    /** The sum of every latency, in milliseconds. */
    public double sumMillis() {
        return meanMillis * count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyStats l && count == l.count && meanMillis == l.meanMillis && p50Millis == l.p50Millis
                && p95Millis == l.p95Millis && p99Millis == l.p99Millis && maxMillis == l.maxMillis && Arrays.equals(buckets, l.buckets);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(count) + Double.hashCode(meanMillis) + 7 * Arrays.hashCode(buckets);
    }

    @Override
    public String toString() {
        return "LatencyStats[count=" + count + ", mean=" + meanMillis + " ms, p50=" + p50Millis + ", p95=" + p95Millis + ", p99="
                + p99Millis + ", max=" + maxMillis + ", buckets=" + Arrays.toString(buckets) + "]";
    }
}
