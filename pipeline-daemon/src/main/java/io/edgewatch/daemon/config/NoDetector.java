package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.inference.Detectors;

/** {@code type: none}: predicts nothing, at once; a pipeline check and a benchmark baseline. */
public record NoDetector(String modelId, int maxInFlight, Duration timeout) implements InferenceConfig {

    public static final String TYPE = "none";
    public static final String DEFAULT_MODEL_ID = "none";

    static NoDetector read(Section s, Common common) {
        return new NoDetector(common.modelId(DEFAULT_MODEL_ID), common.maxInFlight(), common.timeout());
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public InferenceAdapter create(String cameraId, DetectorContext context) {
        return Detectors.noop(modelId);
    }
}
