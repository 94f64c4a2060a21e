package io.edgewatch.core.aggregate.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.IntCountsHistogram;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowAggregator;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.inference.InferenceException;

/**
 * One open window of one camera: frame counters, and per model one tally per class plus two
 * latency histograms. Its size depends on models and classes, never on frames or boxes. Not
 * thread-safe; the aggregator feeds it serially.
 */
public final class WindowAccumulator {

    /** One hour in microseconds: latencies above it are clamped. */
    private static final long MAX_LATENCY_MICROS = 3_600_000_000L;

    private final String cameraId;
    private final String primaryModelId;
    private final String primaryModelType;
    private final Instant start;
    private long seen;
    private final EnumMap<FrameEvent.DropReason, Long> drops = new EnumMap<>(FrameEvent.DropReason.class);
    private final EnumMap<InferenceException.Kind, Long> errors = new EnumMap<>(InferenceException.Kind.class);
    private final Map<String, ModelTally> models = new LinkedHashMap<>();

    public WindowAccumulator(String cameraId, String primaryModelId, String primaryModelType, Instant start) {
        this.cameraId = cameraId;
        this.primaryModelId = primaryModelId;
        this.primaryModelType = primaryModelType;
        this.start = start;
        models.put(primaryModelId, new ModelTally(primaryModelType));
    }

    /** Folds in a batch of frames, in order. */
    public WindowAccumulator addAll(List<FrameSummary> batch) {
        for (FrameSummary s : batch) {
            add(s);
        }
        return this;
    }

    /** Folds in one frame. */
    public void add(FrameSummary s) {
        seen++;
        switch (s.kind) {
            case DROPPED -> drops.merge(s.dropReason, 1L, Long::sum);
            case FAILED -> errors.merge(s.errorKind, 1L, Long::sum);
            case INFERRED -> models.computeIfAbsent(s.modelId, id -> new ModelTally(s.modelType)).add(s);
            case UNINFERRED -> { }
        }
    }

    /** Classes held for all models: the window's memory, apart from fixed-size histograms. */
    public int classCount() {
        return models.values().stream().mapToInt(m -> m.classes.size()).sum();
    }

    /**
     * Closes the window: one report per model that produced a result in it, and always one for
     * the camera's own model (so an empty window is reported). Frame counters are the camera's and
     * appear on each report; errors belong to the camera's own model.
     */
    public List<WindowReport> close(Instant end) {
        return close(end, 0);
    }

    /** As above, with {@code decodeErrors} of the source's decoder in the window (an error kind of its own). */
    public List<WindowReport> close(Instant end, long decodeErrors) {
        return close(start, end, decodeErrors, null);
    }

    /**
     * As above, labelled {@code from} to {@code end} whatever start this accumulator was made with
     * (the aggregator knows a window's labels only as it closes), for a window a clock step of
     * {@code clockStep} closed (null when none did).
     */
    public List<WindowReport> close(Instant from, Instant end, long decodeErrors, Duration clockStep) {
        List<WindowReport> reports = new ArrayList<>(models.size());
        long dropped = drops.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Long> dropLabels = new LinkedHashMap<>();
        drops.forEach((k, v) -> dropLabels.put(k.label(), v));
        for (Map.Entry<String, ModelTally> e : models.entrySet()) {
            boolean primary = e.getKey().equals(primaryModelId);
            ModelTally m = e.getValue();
            List<ClassResult> results = new ArrayList<>(m.classes.size());
            List<ClassStats> stats = new ArrayList<>(m.classes.size());
            for (ClassTally t : m.classes.values()) {
                results.add(t.toResult(e.getKey(), m.modelType));
                stats.add(t.toStats());
            }
            Map<String, Long> errorLabels = new LinkedHashMap<>();
            long errorCount = 0;
            if (primary) {
                for (Map.Entry<InferenceException.Kind, Long> err : errors.entrySet()) {
                    errorLabels.put(err.getKey().label(), err.getValue());
                    errorCount += err.getValue();
                }
                if (decodeErrors > 0) {
                    errorLabels.put(WindowAggregator.DECODE_ERRORS, decodeErrors);
                }
            }
            reports.add(new WindowReport(cameraId, e.getKey(), primary ? primaryModelType : m.modelType, from, end,
                    seen, m.inferred, m.empty, m.emptyCallMicros / 1000.0, dropped, errorCount, dropLabels, errorLabels, results, stats,
                    stats(m.decode), stats(m.wait), stats(m.inference), stats(m.call), stats(m.endToEnd), clockStep));
        }
        return reports;
    }

    private static LatencyStats stats(IntCountsHistogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return LatencyStats.EMPTY;
        }
        // each recorded value (microseconds, two significant digits) into the fixed buckets, by its equivalence range's middle
        long[] buckets = new long[LatencyStats.BOUNDS_SECONDS.length + 1];
        for (HistogramIterationValue v : h.recordedValues()) {
            buckets[LatencyStats.bucket(h.medianEquivalentValue(v.getValueIteratedTo()) / 1000.0)] += v.getCountAtValueIteratedTo();
        }
        return new LatencyStats(h.getTotalCount(), h.getMean() / 1000.0,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(95) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, buckets);
    }

    private static final class ModelTally {
        final String modelType;
        final Map<String, ClassTally> classes = new LinkedHashMap<>();
        long inferred;
        long empty;
        long emptyCallMicros;
        IntCountsHistogram decode;
        IntCountsHistogram wait;
        IntCountsHistogram inference;
        IntCountsHistogram call;
        IntCountsHistogram endToEnd;

        ModelTally(String modelType) {
            this.modelType = modelType;
        }

        void add(FrameSummary s) {
            inferred++;
            if (s.classes.isEmpty()) {
                empty++;
                emptyCallMicros += s.callMicros;
            }
            for (ClassTally t : s.tallies()) {
                ClassTally mine = classes.get(t.className);
                if (mine == null) {
                    classes.put(t.className, t);
                } else {
                    mine.merge(t);
                }
            }
            if (inference == null) {
                inference = new IntCountsHistogram(MAX_LATENCY_MICROS, 2);
                call = new IntCountsHistogram(MAX_LATENCY_MICROS, 2);
                endToEnd = new IntCountsHistogram(MAX_LATENCY_MICROS, 2);
                decode = new IntCountsHistogram(MAX_LATENCY_MICROS, 2);
                wait = new IntCountsHistogram(MAX_LATENCY_MICROS, 2);
            }
            if (s.decodeMicros >= 0) {
                decode.recordValue(Math.min(s.decodeMicros, MAX_LATENCY_MICROS));
            }
            if (s.waitMicros >= 0) {
                wait.recordValue(Math.min(s.waitMicros, MAX_LATENCY_MICROS));
            }
            inference.recordValue(Math.min(s.inferenceMicros, MAX_LATENCY_MICROS));
            call.recordValue(Math.min(s.callMicros, MAX_LATENCY_MICROS));
            endToEnd.recordValue(Math.min(s.endToEndMicros, MAX_LATENCY_MICROS));
        }
    }
}
