package io.edgewatch.sink.json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;

/**
 * The JSON shape of a window report, with snake_case keys in a fixed order (also what the health
 * endpoint's {@code /api/cameras} shows of a camera's last window).
 * {@code inference_results} entries have Model Monitoring's keys in its order:
 * {@code model_id, class_name, confidence, inference_id, model_type}. {@code clock_step_s} (after
 * {@code window_end}) is there only for a window that a step of the wall clock closed: the step's
 * size in seconds, negative for a step back.
 */
public final class ReportJson {

    private ReportJson() {
    }

    public static Map<String, Object> of(WindowReport r, String deviceId, Map<String, String> metadata) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("camera_id", r.cameraId());
        m.put("device_id", deviceId);
        m.put("model_id", r.modelId());
        m.put("model_type", r.modelType());
        m.put("window_start", r.windowStart().toString());
        m.put("window_end", r.windowEnd().toString());
        if (r.clockStep() != null) {
            // the wall clock stepped at this window's end, by this many seconds (signed); its length is still the measured one
            m.put("clock_step_s", r.clockStep().toNanos() / 1e9);
        }
        m.put("frames_seen", r.framesSeen());
        m.put("frames_inferred", r.framesInferred());
        m.put("frames_empty", r.framesEmpty());
        m.put("frames_dropped", r.framesDropped());
        m.put("inference_errors", r.inferenceErrors());
        m.put("dropped_by_reason", r.droppedByReason());
        m.put("errors_by_kind", r.errorsByKind());
        m.put("inference_results", results(r.inferenceResults()));
        m.put("class_stats", stats(r.classStats()));
        m.put("latency_ms", latencies(r));
        m.put("metadata", metadata);
        return m;
    }

    /** {@code inference_results} as Model Monitoring has it: {@code model_id, class_name, confidence, inference_id, model_type}. */
    public static List<Map<String, Object>> results(List<ClassResult> results) {
        return results.stream().map(c -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("model_id", c.modelId());
            e.put("class_name", c.className());
            e.put("confidence", c.confidence());
            e.put("inference_id", c.inferenceId());
            e.put("model_type", c.modelType());
            return e;
        }).toList();
    }

    /** {@code class_stats}: per class its count, frames, confidences (min, mean, max, median, ten-bucket histogram) and call time. */
    public static List<Map<String, Object>> stats(List<ClassStats> stats) {
        return stats.stream().map(s -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("class_name", s.className());
            e.put("count", s.count());
            e.put("frames", s.frames());
            e.put("min_confidence", s.minConfidence());
            e.put("mean_confidence", s.meanConfidence());
            e.put("max_confidence", s.maxConfidence());
            e.put("median_confidence", s.medianConfidence());
            // ten buckets of 0.1 over 0..1: enough to see a distribution move, small enough to read
            e.put("confidence_histogram", s.confidence().buckets(10));
            e.put("mean_call_ms", s.meanCallMillis());
            return e;
        }).toList();
    }

    /** {@code latency_ms}: every stage of {@link WindowReport#latencies()} with its count, mean and percentiles. */
    public static Map<String, Object> latencies(WindowReport r) {
        Map<String, Object> latency = new LinkedHashMap<>();
        r.latencies().forEach((stage, l) -> latency.put(stage, latency(l)));
        return latency;
    }

    private static Map<String, Object> latency(LatencyStats l) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("count", l.count());
        e.put("mean", l.meanMillis());
        e.put("p50", l.p50Millis());
        e.put("p95", l.p95Millis());
        e.put("p99", l.p99Millis());
        e.put("max", l.maxMillis());
        return e;
    }
}
