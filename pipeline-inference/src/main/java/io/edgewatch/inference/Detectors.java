package io.edgewatch.inference;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceIds;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.inference.internal.BlockingAdapter;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Detectors of no particular library: the no-op one, and the shape for custom blocking detectors,
 * which run on the given {@code workers} scheduler (it must allow blocking: a
 * {@code Schedulers.newBoundedElastic} sized to the cores, not Netty's event loops nor
 * {@code Schedulers.parallel()}). OpenCV's are in {@code inference.opencv}.
 */
public final class Detectors {

    private Detectors() {
    }

    /** Predicts nothing, at once, without reading the pixels: a baseline for benchmarks and a pipeline check. */
    public static InferenceAdapter noop(String modelId) {
        return fixed(modelId, List.of());
    }

    /** Predicts {@code predictions} for every frame, at once, without reading the pixels (benchmarks of what follows inference). */
    public static InferenceAdapter fixed(String modelId, List<Prediction> predictions) {
        List<Prediction> always = List.copyOf(predictions);
        return new InferenceAdapter() {
            @Override
            public String modelId() {
                return modelId;
            }

            @Override
            public ModelType modelType() {
                return ModelType.OBJECT_DETECTION;
            }

            @Override
            public Mono<InferenceResult> infer(VideoFrame frame) {
                return Mono.fromSupplier(() -> new InferenceResult(InferenceIds.next(), frame.cameraId(),
                        frame.sequence(), modelId, ModelType.OBJECT_DETECTION, always, frame.capturedNanos(),
                        frame.capturedAt(), Duration.ZERO, Duration.ZERO, System.nanoTime()));
            }

            @Override
            public void close() {
            }
        };
    }

    /** The shape every adapter here shares, exposed for custom blocking detectors. */
    public static InferenceAdapter blocking(String modelId, ModelType type, Supplier<BlockingDetector> perThread,
                                            Scheduler workers) {
        return BlockingAdapter.perThread(modelId, type, perThread, workers);
    }
}
