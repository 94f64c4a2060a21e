package io.edgewatch.inference.internal;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceIds;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.inference.BlockingDetector;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Runs a {@link BlockingDetector} on a worker scheduler. The frame is retained for the duration of
 * the detection, so a cancelled inference never frees pixels under a running detector. Either each
 * worker thread has a detector of its own, or one detector is shared and calls are serialised.
 */
public final class BlockingAdapter implements InferenceAdapter {

    private final String modelId;
    private final ModelType modelType;
    private final Scheduler workers;
    private final ThreadLocal<BlockingDetector> perThread;
    private final BlockingDetector shared;
    private final Queue<BlockingDetector> created = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    private BlockingAdapter(String modelId, ModelType modelType, Supplier<BlockingDetector> factory,
                            BlockingDetector shared, Scheduler workers) {
        this.modelId = modelId;
        this.modelType = modelType;
        this.workers = workers;
        this.shared = shared;
        this.perThread = factory == null ? null : ThreadLocal.withInitial(() -> {
            BlockingDetector d = factory.get();
            created.add(d);
            return d;
        });
        if (shared != null) {
            created.add(shared);
        }
    }

    public static BlockingAdapter perThread(String modelId, ModelType type, Supplier<BlockingDetector> factory,
                                            Scheduler workers) {
        return new BlockingAdapter(modelId, type, factory, null, workers);
    }

    public static BlockingAdapter serial(String modelId, ModelType type, BlockingDetector detector, Scheduler workers) {
        return new BlockingAdapter(modelId, type, null, detector, workers);
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public ModelType modelType() {
        return modelType;
    }

    @Override
    public Mono<InferenceResult> infer(VideoFrame frame) {
        return Mono.fromCallable(() -> detect(frame)).subscribeOn(workers);
    }

    private InferenceResult detect(VideoFrame frame) {
        if (closed) {
            throw new InferenceException(InferenceException.Kind.UNAVAILABLE, "detector " + modelId + " is closed");
        }
        if (!frame.tryRetain()) {
            throw new InferenceException(InferenceException.Kind.INTERNAL, frame + " was released before inference");
        }
        try {
            long start = System.nanoTime();
            BlockingDetector detector = shared != null ? shared : perThread.get();
            List<Prediction> predictions;
            // uncontended for per-thread detectors; serialises a shared one and keeps close() out
            synchronized (detector) {
                if (closed) {
                    throw new InferenceException(InferenceException.Kind.UNAVAILABLE, "detector " + modelId + " is closed");
                }
                predictions = detector.detect(frame.pixels());
            }
            long end = System.nanoTime();
            return new InferenceResult(InferenceIds.next(), frame.cameraId(), frame.sequence(), modelId,
                    modelType, predictions, frame.capturedNanos(), frame.capturedAt(),
                    Duration.ofNanos(end - start), Duration.ofNanos(end - start), end);
        } finally {
            frame.release();
        }
    }

    @Override
    public void close() {
        closed = true;
        BlockingDetector d;
        while ((d = created.poll()) != null) {
            // a worker may still be inside detect(): wait for it under the detector's lock
            synchronized (d) {
                d.close();
            }
        }
    }
}
