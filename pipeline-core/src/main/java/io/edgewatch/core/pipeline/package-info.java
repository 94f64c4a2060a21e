/**
 * One camera's pipeline: {@link io.edgewatch.core.pipeline.CameraPipeline} runs source, pacing
 * ({@code FramePacing}), inference ({@code InferenceStage}), window aggregation and sinks. Stages
 * are Reactor operators applied with {@code transform}. They release every frame they drop or
 * discard, and release each frame once its inference ends. A failed or timed-out inference becomes a
 * {@code Failed} event and the stream goes on. If a sink fails, that is logged and the other sinks
 * still get the report. A source error ends the camera's {@code Flux} after its last window.
 */
package io.edgewatch.core.pipeline;
