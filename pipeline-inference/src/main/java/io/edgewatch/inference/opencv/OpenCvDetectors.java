package io.edgewatch.inference.opencv;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.inference.BlockingDetector;
import io.edgewatch.inference.internal.BlockingAdapter;
import reactor.core.scheduler.Scheduler;

/**
 * OpenCV's built-in detectors: they need no download and no server. They block, so they run on the
 * given {@code workers} scheduler, which must allow blocking (a {@code Schedulers.newBoundedElastic}
 * sized to the cores, not Netty's event loops nor {@code Schedulers.parallel()}).
 */
public final class OpenCvDetectors {

    private OpenCvDetectors() {
    }

    /** OpenCV's HOG people detector, class {@code person}; one detector per worker thread. */
    public static InferenceAdapter hog(String modelId, HogOptions options, Scheduler workers) {
        return BlockingAdapter.perThread(modelId, ModelType.OBJECT_DETECTION, () -> new HogPeopleDetector(options), workers);
    }

    /** One HOG people detector for the calling thread (benchmarks compare the pipeline with a bare loop over it). */
    public static BlockingDetector hogPeople(HogOptions options) {
        return new HogPeopleDetector(options);
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
}
