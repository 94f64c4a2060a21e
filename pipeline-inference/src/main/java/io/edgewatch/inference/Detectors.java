package io.edgewatch.inference;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.inference.internal.BlockingAdapter;
import io.edgewatch.inference.internal.CascadeDetector;
import io.edgewatch.inference.internal.HogPeopleDetector;
import io.edgewatch.inference.internal.MotionDetector;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The built-in detectors: they need no download and no server. Blocking ones run on the given
 * {@code workers} scheduler, which must allow blocking (a {@code Schedulers.newBoundedElastic}
 * sized to the cores, not Netty's event loops nor {@code Schedulers.parallel()}).
 */
public final class Detectors {

    private Detectors() {
    }

    /** OpenCV's HOG people detector, class {@code person}; one detector per worker thread. */
    public static InferenceAdapter hog(String modelId, HogOptions options, Scheduler workers) {
        return BlockingAdapter.perThread(modelId, ModelType.OBJECT_DETECTION, () -> new HogPeopleDetector(options), workers);
    }

    /** An OpenCV cascade; one classifier per worker thread. Fails at once when the cascade cannot be loaded. */
    public static InferenceAdapter cascade(String modelId, CascadeOptions options, Scheduler workers) {
        new CascadeDetector(options).close(); // load once here, so a bad name or file is reported at start
        return BlockingAdapter.perThread(modelId, ModelType.OBJECT_DETECTION, () -> new CascadeDetector(options), workers);
    }

    /**
     * Motion, class {@code motion}. The background model learns from each frame in order, so a
     * camera's frames go through one model one at a time; run it with one frame in flight.
     */
    public static InferenceAdapter motion(String modelId, MotionOptions options, Scheduler workers) {
        return BlockingAdapter.serial(modelId, ModelType.OBJECT_DETECTION, new MotionDetector(options), workers);
    }

    /** Predicts nothing, at once, without reading the pixels: a baseline for benchmarks and a pipeline check. */
    public static InferenceAdapter noop(String modelId) {
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
                return Mono.fromSupplier(() -> new InferenceResult(UUID.randomUUID().toString(), frame.cameraId(),
                        frame.sequence(), modelId, ModelType.OBJECT_DETECTION, List.of(), frame.capturedNanos(),
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
