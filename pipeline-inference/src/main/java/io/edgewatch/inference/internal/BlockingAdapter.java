package io.edgewatch.inference.internal;

import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
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
 * call in flight checks a detector of its own out of a pool ({@link #perThread}) and gives it back
 * when done, or one detector is shared and calls are serialised ({@link #serial}).
 *
 * <p>The pool holds as many detectors as there were calls at once at most (no more than the
 * workers), whatever threads run them: the workers of a bounded-elastic scheduler are evicted
 * after an idle minute and replaced by new threads, and a detector per thread (a
 * {@code ThreadLocal}) made a new HOG, cascade or ONNX detector for each new thread while keeping
 * the old ones until the adapter closed. {@link #close()} frees the idle detectors at once and
 * those still in a call when that call ends, so it never waits for a detection (it runs on the
 * thread that ended a camera's run: a timer, a sink's writer, shared by every camera); a shared
 * detector busy in a call is likewise closed by that call as it returns.
 */
public final class BlockingAdapter implements InferenceAdapter {

    private final String modelId;
    private final ModelType modelType;
    private final Scheduler workers;
    private final Supplier<BlockingDetector> factory;
    private final BlockingDetector shared;
    /** Serialises the calls of the shared detector and its close. */
    private final ReentrantLock sharedLock = new ReentrantLock();
    /** Pooled detectors not in a call; the most recently used first (its memory is the warmest). */
    private final Deque<BlockingDetector> idle = new ConcurrentLinkedDeque<>();
    /** Every detector made and not yet closed: one close each, whoever gets there first. */
    private final Set<BlockingDetector> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final String executionProvider;

    private BlockingAdapter(String modelId, ModelType modelType, Supplier<BlockingDetector> factory,
                            BlockingDetector shared, Scheduler workers, String executionProvider) {
        this.executionProvider = executionProvider;
        this.modelId = modelId;
        this.modelType = modelType;
        this.workers = workers;
        this.factory = factory;
        this.shared = shared;
        if (shared != null) {
            open.add(shared);
        }
    }

    /**
     * Detectors made by {@code factory} as calls need them, one per call in flight (so never more
     * than the workers), reused by whichever worker runs the next call. The name is historical: a
     * detector is used by one thread at a time, not bound to one.
     */
    public static BlockingAdapter perThread(String modelId, ModelType type, Supplier<BlockingDetector> factory,
                                            Scheduler workers) {
        return perThread(modelId, type, factory, workers, "cpu");
    }

    /** As above, on the named execution provider ({@code cpu}, {@code cuda}, {@code tensorrt}). */
    public static BlockingAdapter perThread(String modelId, ModelType type, Supplier<BlockingDetector> factory,
                                            Scheduler workers, String executionProvider) {
        return new BlockingAdapter(modelId, type, factory, null, workers, executionProvider);
    }

    public static BlockingAdapter serial(String modelId, ModelType type, BlockingDetector detector, Scheduler workers) {
        return new BlockingAdapter(modelId, type, null, detector, workers, "cpu");
    }

    @Override
    public String executionProvider() {
        return executionProvider;
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
            List<Prediction> predictions = shared != null ? detectShared(frame) : detectPooled(frame);
            long end = System.nanoTime();
            return new InferenceResult(InferenceIds.next(), frame.cameraId(), frame.sequence(), modelId,
                    modelType, predictions, frame.capturedNanos(), frame.capturedAt(),
                    Duration.ofNanos(end - start), Duration.ofNanos(end - start), end);
        } finally {
            frame.release();
        }
    }

    private List<Prediction> detectPooled(VideoFrame frame) {
        BlockingDetector detector = checkOut();
        try {
            return detector.detect(frame.pixels());
        } finally {
            checkIn(detector);
        }
    }

    private List<Prediction> detectShared(VideoFrame frame) {
        sharedLock.lock();
        try {
            if (closed) {
                throw new InferenceException(InferenceException.Kind.UNAVAILABLE, "detector " + modelId + " is closed");
            }
            return shared.detect(frame.pixels());
        } finally {
            sharedLock.unlock();
            // a close() during the call left the detector to it; a call holding the lock now closes it itself
            if (closed) {
                closeShared();
            }
        }
    }

    private void closeShared() {
        if (sharedLock.tryLock()) {
            try {
                closeOnce(shared);
            } finally {
                sharedLock.unlock();
            }
        }
    }

    private BlockingDetector checkOut() {
        BlockingDetector d = idle.pollFirst();
        if (d == null) {
            d = factory.get();
            open.add(d);
        }
        return d;
    }

    private void checkIn(BlockingDetector d) {
        idle.offerFirst(d);
        // a close() that ran during the call drained the pool before this detector came back
        if (closed) {
            drainIdle();
        }
    }

    private void drainIdle() {
        BlockingDetector d;
        while ((d = idle.pollFirst()) != null) {
            closeOnce(d);
        }
    }

    private void closeOnce(BlockingDetector d) {
        if (open.remove(d)) {
            d.close();
        }
    }

    /** Frees the idle detectors now, and each one still in a call as that call ends; idempotent. */
    @Override
    public void close() {
        closed = true;
        drainIdle();
        if (shared != null) {
            closeShared();
        }
    }
}
