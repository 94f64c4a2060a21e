package io.edgewatch.core.aggregate;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one model saw on one camera during one window.
 *
 * @param cameraId the camera
 * @param modelId the model
 * @param modelType the model's task, by its wire name
 * @param windowStart when the window opened (inclusive)
 * @param windowEnd when it closed (exclusive)
 * @param framesSeen every frame of the camera that reached the aggregator in the window
 * @param framesInferred frames this model returned a result for
 * @param framesEmpty of those, frames the model predicted nothing in
 * @param emptyCallMillis the adapter's call time summed over the {@code framesEmpty}
 * @param framesDropped frames the camera's pipeline did not infer, whatever the reason
 * @param inferenceErrors frames whose inference failed
 * @param droppedByReason {@code framesDropped} by reason label, only reasons that occurred
 * @param errorsByKind {@code inferenceErrors} by kind label, only kinds that occurred; and, apart from
 *                     {@code inferenceErrors}, {@code decode}: the errors the source's decoder reported
 *                     in the window (corrupt data it concealed; on the camera's own model only)
 * @param inferenceResults the most confident prediction per class, in the order classes first
 *                         appeared in the window (ties keep the earliest): the reference
 *                         aggregator's semantics
 * @param classStats per class, in the same order
 * @param decodeLatency the source's time to grab, decode and copy each inferred frame (for a
 *                      live source, also waiting for the camera's next packet)
 * @param waitLatency from an inferred frame being ready to its inference starting: time spent
 *                    queued behind other frames
 * @param inferenceLatency the detector's own time per frame (the server's {@code time} for a remote model)
 * @param callLatency the adapter's whole call per frame (encoding, round trip and parsing for a remote model)
 * @param endToEndLatency capture to result per frame
 * @param clockStep how far the wall clock stepped at this window's end (the step closed it), or null when it did not:
 *                  the window's length is measured on the monotonic clock whatever the wall clock did, and the
 *                  next window is labelled on the new clock
 */
public record WindowReport(String cameraId, String modelId, String modelType, Instant windowStart,
                           Instant windowEnd, long framesSeen, long framesInferred, long framesEmpty,
                           double emptyCallMillis, long framesDropped, long inferenceErrors, Map<String, Long> droppedByReason,
                           Map<String, Long> errorsByKind, List<ClassResult> inferenceResults,
                           List<ClassStats> classStats, LatencyStats decodeLatency, LatencyStats waitLatency,
                           LatencyStats inferenceLatency, LatencyStats callLatency, LatencyStats endToEndLatency,
                           Duration clockStep) {

    public WindowReport {
        droppedByReason = Collections.unmodifiableSortedMap(new TreeMap<>(droppedByReason));
        errorsByKind = Collections.unmodifiableSortedMap(new TreeMap<>(errorsByKind));
        inferenceResults = List.copyOf(inferenceResults);
        classStats = List.copyOf(classStats);
    }

    /** A report of a window that no clock step ended. */
    public WindowReport(String cameraId, String modelId, String modelType, Instant windowStart,
                        Instant windowEnd, long framesSeen, long framesInferred, long framesEmpty,
                        double emptyCallMillis, long framesDropped, long inferenceErrors, Map<String, Long> droppedByReason,
                        Map<String, Long> errorsByKind, List<ClassResult> inferenceResults,
                        List<ClassStats> classStats, LatencyStats decodeLatency, LatencyStats waitLatency,
                        LatencyStats inferenceLatency, LatencyStats callLatency, LatencyStats endToEndLatency) {
        this(cameraId, modelId, modelType, windowStart, windowEnd, framesSeen, framesInferred, framesEmpty, emptyCallMillis,
                framesDropped, inferenceErrors, droppedByReason, errorsByKind, inferenceResults, classStats, decodeLatency,
                waitLatency, inferenceLatency, callLatency, endToEndLatency, null);
    }

    /**
     * A report without decode and wait times, whose inferred frames all predicted something unless
     * there are no classes at all (synthetic windows, tests).
     */
    public WindowReport(String cameraId, String modelId, String modelType, Instant windowStart, Instant windowEnd,
                        long framesSeen, long framesInferred, long framesDropped, long inferenceErrors,
                        Map<String, Long> droppedByReason, Map<String, Long> errorsByKind,
                        List<ClassResult> inferenceResults, List<ClassStats> classStats, LatencyStats inferenceLatency,
                        LatencyStats callLatency, LatencyStats endToEndLatency) {
        this(cameraId, modelId, modelType, windowStart, windowEnd, framesSeen, framesInferred,
                classStats.isEmpty() ? framesInferred : 0, 0, framesDropped, inferenceErrors, droppedByReason, errorsByKind,
                inferenceResults, classStats, LatencyStats.EMPTY, LatencyStats.EMPTY, inferenceLatency, callLatency,
                endToEndLatency);
    }

    /**
     * The latency stages in pipeline order, by their label: {@code decode}, {@code wait},
     * {@code inference}, {@code call}, {@code end_to_end}.
     */
    public Map<String, LatencyStats> latencies() {
        Map<String, LatencyStats> m = new LinkedHashMap<>();
        m.put("decode", decodeLatency);
        m.put("wait", waitLatency);
        m.put("inference", inferenceLatency);
        m.put("call", callLatency);
        m.put("end_to_end", endToEndLatency);
        return Collections.unmodifiableMap(m);
    }

    /** The window's length in seconds (at least a millisecond, so rates can divide by it). */
    public double seconds() {
        return Math.max(1e-3, Duration.between(windowStart, windowEnd).toNanos() / 1e9);
    }

    /** The distinct inference ids of {@link #inferenceResults()}, in order: what custom metadata attaches to. */
    public List<String> reportedInferenceIds() {
        return inferenceResults.stream().map(ClassResult::inferenceId).distinct().toList();
    }
}
