package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.inference.opencv.MotionOptions;
import io.edgewatch.inference.opencv.OpenCvDetectors;

/** {@code type: motion}: MOG2 background subtraction, class {@code motion}; one frame at a time. */
public record MotionDetector(String modelId, int maxInFlight, Duration timeout, MotionOptions options) implements InferenceConfig {

    public static final String TYPE = "motion";
    public static final String DEFAULT_MODEL_ID = "opencv-motion";
    /** The background model must see frames in order, one at a time. */
    public static final int MAX_IN_FLIGHT = 1;

    static MotionDetector read(Section s, Common common) {
        MotionOptions d = MotionOptions.DEFAULTS;
        MotionOptions options = new MotionOptions(s.integer("history", d.history(), 1, 100_000),
                s.number("var_threshold", d.varThreshold(), 1, 10_000),
                s.integer("min_area", d.minArea(), 1, 100_000_000),
                s.integer("warmup_frames", d.warmupFrames(), 0, 100_000));
        int maxInFlight = common.maxInFlight(MAX_IN_FLIGHT);
        if (maxInFlight != MAX_IN_FLIGHT) {
            s.error("max_in_flight", "the motion detector learns from frames in order: it runs one frame at a time (1)");
        }
        return new MotionDetector(common.modelId(DEFAULT_MODEL_ID), maxInFlight, common.timeout(), options);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public InferenceAdapter create(String cameraId, DetectorContext context) {
        return OpenCvDetectors.motion(modelId, options, context.workers());
    }
}
