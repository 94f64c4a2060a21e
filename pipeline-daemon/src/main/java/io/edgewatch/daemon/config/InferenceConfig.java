package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.inference.opencv.CascadeOptions;
import io.edgewatch.inference.opencv.HogOptions;
import io.edgewatch.inference.opencv.MotionOptions;
import io.edgewatch.inference.onnx.OnnxOptions;
import io.edgewatch.inference.server.InferenceServerOptions;

/**
 * A camera's {@code inference:} section.
 *
 * @param type {@code roboflow}, {@code onnx}, {@code motion}, {@code hog}, {@code cascade} or {@code none}
 * @param modelId the model id reported
 * @param maxInFlight frames of this camera in inference at once
 * @param timeout how long one inference may take
 * @param hog options when type is hog, else null
 * @param cascade options when type is cascade, else null
 * @param motion options when type is motion, else null
 * @param server options when type is roboflow (the Roboflow Inference Server), else null
 * @param onnx options when type is onnx, else null
 */
public record InferenceConfig(String type, String modelId, int maxInFlight, Duration timeout, HogOptions hog,
                              CascadeOptions cascade, MotionOptions motion, InferenceServerOptions server, OnnxOptions onnx) {
}
