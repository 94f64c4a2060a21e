package io.edgewatch.core.inference;

import io.edgewatch.core.frame.VideoFrame;
import reactor.core.publisher.Mono;

/**
 * A model that looks at frames: a frame in, a {@link Mono} of its result out.
 *
 * <p>The returned Mono must not block the subscribing thread; adapters that call blocking code
 * (OpenCV, ONNX Runtime) run it on their own bounded workers. The frame is lent for the duration
 * of the call: an adapter that reads the pixels on another thread takes its own reference with
 * {@link VideoFrame#tryRetain()} and releases it when done, so cancelling the Mono never frees
 * pixels that a worker is still reading. Failures are signalled as errors, preferably an
 * {@link InferenceException} that says what kind of failure it was; the pipeline counts them and
 * carries on with the next frame.
 */
public interface InferenceAdapter extends AutoCloseable {

    /** The model id reported for this adapter's results. */
    String modelId();

    /** The model's task. */
    ModelType modelType();

    /** Infers on one frame. */
    Mono<InferenceResult> infer(VideoFrame frame);

    /**
     * Where the model runs, for health reporting: {@code cpu}, {@code cuda}, {@code tensorrt}; null
     * when the adapter cannot tell (a model on a server runs where the server puts it).
     */
    default String executionProvider() {
        return null;
    }

        /** Frees what the adapter holds (sessions, native detectors); idempotent. */
    @Override
    void close();
}
