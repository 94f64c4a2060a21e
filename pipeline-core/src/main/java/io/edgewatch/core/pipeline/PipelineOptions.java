package io.edgewatch.core.pipeline;

import java.time.Duration;
import java.util.Objects;

import io.edgewatch.core.aggregate.WindowOptions;

/**
 * How one camera's pipeline runs.
 *
 * @param window how windows are cut (camera id, model, frequency, timer)
 * @param maxFps frames per second of stream time to infer at most; 0 for every frame
 * @param maxInFlight frames in inference at once for this camera
 * @param inferenceTimeout how long one inference may take before it counts as failed
 */
public record PipelineOptions(WindowOptions window, double maxFps, int maxInFlight, Duration inferenceTimeout) {

    public PipelineOptions {
        Objects.requireNonNull(window, "window");
        if (maxFps < 0 || Double.isNaN(maxFps)) {
            throw new IllegalArgumentException("maxFps must be 0 (no limit) or positive, was " + maxFps);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
        if (inferenceTimeout == null || inferenceTimeout.isNegative() || inferenceTimeout.isZero()) {
            throw new IllegalArgumentException("inferenceTimeout must be positive, was " + inferenceTimeout);
        }
    }

    public String cameraId() {
        return window.cameraId();
    }
}
