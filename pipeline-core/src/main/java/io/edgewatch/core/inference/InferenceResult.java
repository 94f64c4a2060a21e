package io.edgewatch.core.inference;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one model said about one frame.
 *
 * @param inferenceId the id Model Monitoring and custom metadata refer to; every prediction of
 *                    the result shares it (the reference gives each box the response's id)
 * @param cameraId the camera of the frame
 * @param frameSequence the frame's sequence number in its source
 * @param modelId the model, as reported ({@code project/version} for Roboflow models)
 * @param modelType the model's task
 * @param predictions every candidate, in the order the model gave them: boxes for detectors,
 *                    every class of the list (single-label) or map (multi-label) for classifiers
 * @param capturedNanos {@link System#nanoTime()} when the frame was captured
 * @param capturedAt wall-clock time of capture
 * @param inferenceTime the detector's own time for this frame (the server's {@code time} for a
 *                      remote model)
 * @param callTime the adapter's whole call for this frame: for a remote model, encoding the
 *                 frame, the round trip and parsing the answer; for a local one, the same as
 *                 {@code inferenceTime}
 * @param completedNanos {@link System#nanoTime()} when the result was ready
 */
public record InferenceResult(String inferenceId, String cameraId, long frameSequence, String modelId,
                              ModelType modelType, List<Prediction> predictions, long capturedNanos,
                              Instant capturedAt, Duration inferenceTime, Duration callTime,
                              long completedNanos) {

    public InferenceResult {
        predictions = List.copyOf(predictions);
    }

    /** Capture to result. */
    public Duration endToEnd() {
        return Duration.ofNanos(completedNanos - capturedNanos);
    }
}
