/**
 * The contract for inference. An {@link io.edgewatch.core.inference.InferenceAdapter} takes a frame
 * and returns a {@code Mono} of its {@link io.edgewatch.core.inference.InferenceResult}, and must
 * never block the subscribing thread. The frame is only lent: an adapter that reads it on another
 * thread retains its own reference. Failures are errors, preferably an
 * {@link io.edgewatch.core.inference.InferenceException} whose kind is counted. {@code Box},
 * {@code Prediction}, {@code InferenceResult} and {@code ModelType} are immutable values.
 * Implementations live in pipeline-inference.
 */
package io.edgewatch.core.inference;
