package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.inference.opencv.HogOptions;
import io.edgewatch.inference.opencv.OpenCvDetectors;

/** {@code type: hog}: OpenCV's HOG people detector; defaults are OpenCV's ({@link HogOptions#DEFAULTS}). */
public record HogDetector(String modelId, int maxInFlight, Duration timeout, HogOptions options) implements InferenceConfig {

    public static final String TYPE = "hog";
    public static final String DEFAULT_MODEL_ID = "opencv-hog-people";

    static HogDetector read(Section s, Common common) {
        HogOptions d = HogOptions.DEFAULTS;
        HogOptions options = new HogOptions(s.number("hit_threshold", d.hitThreshold(), -10, 10),
                s.integer("win_stride", d.winStride(), 0, 256), s.number("scale", d.scale(), 1.001, 4),
                s.integer("group_threshold", d.groupThreshold(), 0, 100));
        return new HogDetector(common.modelId(DEFAULT_MODEL_ID), common.maxInFlightByRule(), common.timeout(), options);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public InferenceAdapter create(String cameraId, DetectorContext context) {
        return OpenCvDetectors.hog(modelId, options, context.workers());
    }
}
