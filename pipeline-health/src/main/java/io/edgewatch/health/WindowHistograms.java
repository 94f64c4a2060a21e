package io.edgewatch.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * Prometheus histograms whose buckets arrive already counted, a window at a time: each window's
 * latencies and confidences are histograms already (HdrHistogram, 0.01 bins), so the frames are
 * not recorded a second time; their counts are added here and exposed as classic histograms
 * ({@code _bucket}, {@code _count}, {@code _sum}) through the Prometheus client's own model.
 * Micrometer records one value at a time and has no way in for a count per bucket.
 */
final class WindowHistograms implements MultiCollector {

    /** One family: a name, its help, its bucket bounds and label names. */
    record Family(String name, String help, double[] bounds, String... labelNames) {
    }

    /** A series' running totals: a count per bucket (the last is above every bound) and the sum. */
    private static final class Series {
        final long[] counts;
        double sum;

        Series(int buckets) {
            counts = new long[buckets];
        }
    }

    private final List<Family> families;
    private final Map<Family, Map<Labels, Series>> series = new ConcurrentHashMap<>();

    WindowHistograms(List<Family> families) {
        this.families = List.copyOf(families);
        families.forEach(f -> series.put(f, new ConcurrentHashMap<>()));
    }

    /**
     * Adds a window's counts to a series.
     *
     * @param counts one count per bound, then the count above the last (not cumulative)
     * @param sum the sum of the values counted
     */
    void add(Family family, long[] counts, double sum, String... labelValues) {
        if (counts.length != family.bounds().length + 1) {
            throw new IllegalArgumentException(family.name() + " has " + (family.bounds().length + 1) + " buckets, not " + counts.length);
        }
        Series s = series.get(family).computeIfAbsent(Labels.of(family.labelNames(), labelValues), l -> new Series(counts.length));
        synchronized (s) {
            for (int i = 0; i < counts.length; i++) {
                s.counts[i] += counts[i];
            }
            s.sum += sum;
        }
    }

    /** Removes every series whose label {@code name} is {@code value} (a camera that left the configuration). */
    void remove(String name, String value) {
        series.values().forEach(m -> m.keySet().removeIf(l -> value.equals(l.get(name))));
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        for (Family f : families) {
            HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(f.name()).help(f.help());
            double[] bounds = new double[f.bounds().length + 1];
            System.arraycopy(f.bounds(), 0, bounds, 0, f.bounds().length);
            bounds[f.bounds().length] = Double.POSITIVE_INFINITY;
            for (Map.Entry<Labels, Series> e : series.get(f).entrySet()) {
                long[] counts;
                double sum;
                synchronized (e.getValue()) {
                    counts = e.getValue().counts.clone();
                    sum = e.getValue().sum;
                }
                b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts)).sum(sum).labels(e.getKey()).build());
            }
            out.add(b.build());
        }
        return new MetricSnapshots(out);
    }
}
