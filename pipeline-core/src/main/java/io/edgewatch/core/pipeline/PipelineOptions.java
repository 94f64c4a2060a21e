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
 * @param reportBuffer window reports that may wait for a slow sink; beyond it the oldest waiting
 *                     report is dropped (counted), so the windows never wait for the sinks
 */
public record PipelineOptions(WindowOptions window, double maxFps, int maxInFlight, Duration inferenceTimeout,
                              int reportBuffer) {

    /**
     * Reports that may wait for the sinks: an hour of 15 s windows, a few minutes of 1 s ones. A
     * report is a tally per class (a few kB), so the bound costs little, and a sink that stalls
     * longer than this has lost its reports anyway (its durable queue is where they would wait).
     */
    public static final int DEFAULT_REPORT_BUFFER = 256;

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
        if (reportBuffer < 1) {
            throw new IllegalArgumentException("reportBuffer must be at least 1, was " + reportBuffer);
        }
    }

    /** The same, with {@link #DEFAULT_REPORT_BUFFER}. */
    public PipelineOptions(WindowOptions window, double maxFps, int maxInFlight, Duration inferenceTimeout) {
        this(window, maxFps, maxInFlight, inferenceTimeout, DEFAULT_REPORT_BUFFER);
    }

    public String cameraId() {
        return window.cameraId();
    }
}
