package io.edgewatch.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.edgewatch.core.aggregate.WindowReport;

/**
 * One window of one camera and model as the health store keeps it: sums rather than means, so
 * windows add up over any period.
 *
 * @param camera the camera
 * @param model the model
 * @param start when the window opened
 * @param end when it closed
 * @param seen frames seen
 * @param inferred frames the model answered
 * @param empty of those, frames it predicted nothing in
 * @param emptyCallMillis call time summed over the {@code empty} frames
 * @param errors failed inferences
 * @param callMillis call time summed over the {@code inferred} frames
 * @param inferenceP95Millis the window's inference p95 (0 with nothing inferred)
 * @param version the daemon's version that saw the window
 * @param classes per class
 */
public record StoredWindow(String camera, String model, Instant start, Instant end, long seen, long inferred, long empty,
                           double emptyCallMillis, long errors, double callMillis, double inferenceP95Millis, String version, List<ClassRow> classes) {

    /** This window, moved by {@code by} (a step of the wall clock that corrected its labels). */
    StoredWindow shifted(Duration by) {
        return new StoredWindow(camera, model, start.plus(by), end.plus(by), seen, inferred, empty, emptyCallMillis, errors,
                callMillis, inferenceP95Millis, version, classes);
    }

    /** What is kept of a window report: its means turned back into sums. */
    static StoredWindow of(WindowReport r, String version) {
        List<ClassRow> classes = r.classStats().stream().map(c -> new ClassRow(c.className(), c.count(), c.frames(),
                c.meanConfidence() * c.count(), c.meanCallMillis() * c.frames(), c.minConfidence(), c.maxConfidence(),
                c.confidence().sparse())).toList();
        return new StoredWindow(r.cameraId(), r.modelId(), r.windowStart(), r.windowEnd(), r.framesSeen(), r.framesInferred(),
                r.framesEmpty(), r.emptyCallMillis(), r.inferenceErrors(), r.callLatency().meanMillis() * r.callLatency().count(),
                r.inferenceLatency().p95Millis(), version, classes);
    }

    /**
     * One class in one window.
     *
     * @param name the class
     * @param count its predictions
     * @param frames the frames (inferences) it appeared in
     * @param confidenceSum confidences summed over its predictions
     * @param callMillis call time summed over the frames it appeared in
     * @param min its lowest confidence
     * @param max its highest confidence
     * @param bins its confidence histogram, sparse (bin index to count)
     */
    public record ClassRow(String name, long count, long frames, double confidenceSum, double callMillis,
                           double min, double max, Map<Integer, Long> bins) {
    }
}
