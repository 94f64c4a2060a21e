package io.edgewatch.core.aggregate;

/**
 * The most confident prediction of one class in one window, in the shape of an entry of Model
 * Monitoring's {@code inference_results} (components in the wire's key order).
 */
public record ClassResult(String modelId, String className, double confidence, String inferenceId,
                          String modelType) {
}
