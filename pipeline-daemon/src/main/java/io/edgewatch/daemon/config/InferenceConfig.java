package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.inference.CascadeOptions;
import io.edgewatch.inference.HogOptions;
import io.edgewatch.inference.MotionOptions;

/**
 * A camera's {@code inference:} section.
 *
 * @param type {@code motion}, {@code hog}, {@code cascade} or {@code none}
 * @param modelId the model id reported
 * @param maxInFlight frames of this camera in inference at once
 * @param timeout how long one inference may take
 * @param hog options when type is hog, else null
 * @param cascade options when type is cascade, else null
 * @param motion options when type is motion, else null
 */
public record InferenceConfig(String type, String modelId, int maxInFlight, Duration timeout, HogOptions hog,
                              CascadeOptions cascade, MotionOptions motion) {
}
