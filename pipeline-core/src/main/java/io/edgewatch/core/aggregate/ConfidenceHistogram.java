package io.edgewatch.core.aggregate;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one class's confidences were distributed: counts in {@value #BINS} bins of width 0.01 over
 * 0..1 (a confidence of exactly 1 falls in the last bin). Constant size however many predictions
 * it counts, and histograms of windows add up, so a median over a day is as cheap as over a
 * window. Quantiles interpolate within their bin and are clamped to the exact minimum and
 * maximum when those are given, so they are off by less than one bin width (0.01). Immutable.
 */
public final class ConfidenceHistogram {

    public static final int BINS = 100;
    public static final ConfidenceHistogram EMPTY = new ConfidenceHistogram(new long[BINS]);

    private final long[] counts;
    private final long total;

    private ConfidenceHistogram(long[] counts) {
        this.counts = counts;
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        this.total = t;
    }

    /** The bin of a confidence in 0..1 (values outside are clamped). */
    public static int bin(double confidence) {
        int b = (int) (confidence * BINS);
        return b < 0 ? 0 : Math.min(b, BINS - 1);
    }

    /** A histogram of these counts ({@value #BINS} of them; copied). */
    public static ConfidenceHistogram of(long[] counts) {
        if (counts.length != BINS) {
            throw new IllegalArgumentException("a confidence histogram has " + BINS + " bins, not " + counts.length);
        }
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("bin counts cannot be negative");
            }
        }
        return new ConfidenceHistogram(counts.clone());
    }

    /** {@code count} predictions all at {@code confidence}. */
    public static ConfidenceHistogram single(double confidence, long count) {
        long[] c = new long[BINS];
        c[bin(confidence)] = count;
        return new ConfidenceHistogram(c);
    }

    /** Bin index to count, only bins that are not empty: a compact form for storage. */
    public Map<Integer, Long> sparse() {
        Map<Integer, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < BINS; i++) {
            if (counts[i] > 0) {
                out.put(i, counts[i]);
            }
        }
        return out;
    }

    /** The inverse of {@link #sparse()}. */
    public static ConfidenceHistogram fromSparse(Map<Integer, Long> bins) {
        long[] c = new long[BINS];
        bins.forEach((i, n) -> {
            if (i < 0 || i >= BINS) {
                throw new IllegalArgumentException("bin " + i + " is outside 0.." + (BINS - 1));
            }
            c[i] += n;
        });
        return of(c);
    }

    public long total() {
        return total;
    }

    /** The count of bin {@code i}. */
    public long count(int i) {
        return counts[i];
    }

    /** This and {@code other} together. */
    public ConfidenceHistogram plus(ConfidenceHistogram other) {
        long[] c = counts.clone();
        for (int i = 0; i < BINS; i++) {
            c[i] += other.counts[i];
        }
        return new ConfidenceHistogram(c);
    }

    /** The q-quantile (0..1), NaN when empty. */
    public double quantile(double q) {
        return quantile(q, 0, 1);
    }

    /** The q-quantile, clamped to the exact {@code min} and {@code max} of what was counted; NaN when empty. */
    public double quantile(double q, double min, double max) {
        if (total == 0) {
            return Double.NaN;
        }
        double rank = Math.min(1, Math.max(0, q)) * total;
        long below = 0;
        for (int i = 0; i < BINS; i++) {
            long c = counts[i];
            if (c > 0 && below + c >= rank) {
                double v = (i + (rank - below) / c) / BINS;
                return Math.min(max, Math.max(min, v));
            }
            below += c;
        }
        return max;
    }

    public double median() {
        return quantile(0.5);
    }

    /** The counts folded into {@code n} equal buckets over 0..1 ({@code n} must divide {@value #BINS}). */
    public long[] buckets(int n) {
        if (n <= 0 || BINS % n != 0) {
            throw new IllegalArgumentException(n + " buckets do not divide " + BINS + " bins");
        }
        long[] out = new long[n];
        int per = BINS / n;
        for (int i = 0; i < BINS; i++) {
            out[i / per] += counts[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfidenceHistogram h && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "ConfidenceHistogram" + sparse();
    }
}
