package io.edgewatch.daemon.config;

import java.util.Collection;

/**
 * How the cores are shared between frames and the threads inside one call, decided from the
 * cameras that run ({@code docs/architecture.md}, "Three bounds and the detector-threads rule").
 *
 * <p>The detectors with threads of their own (OpenCV's HOG and cascades, ONNX Runtime) can spread
 * one frame over several cores, or the daemon can run several frames at once, one thread each.
 * With fewer such cameras than cores, frames alone cannot keep the cores busy when the input is
 * sparse (a sampled file, a slow camera): then each call gets {@code cores / cameras} threads and
 * each camera one frame in flight ({@code max(1, cores / (cameras * threads))}), so a frame is done
 * sooner and no two calls contend for the same cores. With as many such cameras as cores or more,
 * each call keeps one thread and each camera {@code inference.workers} frames in flight: frames
 * are the parallelism. {@code inference.opencv_threads}, {@code inference.onnx_threads} and a
 * camera's {@code inference.max_in_flight}, when written, win over the rule.
 *
 * @param cameras the running cameras whose detector has threads of its own
 * @param cores the cores shared
 * @param workers {@code inference.workers}: frames in flight per camera when calls keep one thread
 * @param opencvThreads OpenCV's threads per call (process-wide)
 * @param onnxThreads ONNX Runtime's intra-op threads per session made from now on (0: all cores)
 */
public record ThreadRule(int cameras, int cores, int workers, int opencvThreads, int onnxThreads) {

    /** The rule for {@code running} cameras on {@code cores} cores with the pool's settings. */
    public static ThreadRule of(InferencePool pool, int cores, Collection<CameraConfig> running) {
        int threaded = (int) running.stream().filter(c -> threaded(c.inference())).count();
        int perCall = threaded > 0 && threaded < cores ? Math.max(1, cores / threaded) : 1;
        int opencv = pool.opencvThreads() == InferencePool.AUTO ? perCall : pool.opencvThreads();
        int onnx = pool.onnxThreads() == InferencePool.AUTO ? perCall : pool.onnxThreads();
        return new ThreadRule(threaded, cores, pool.workers(), opencv, onnx);
    }

    /** Whether this detector can spread one frame over several threads. */
    public static boolean threaded(InferenceConfig inference) {
        return inference instanceof HogDetector || inference instanceof CascadeDetector || inference instanceof OnnxDetector;
    }

    /**
     * The camera's frames in flight: its own {@code max_in_flight}; else, for a threaded detector
     * whose calls use several threads, enough frames to fill the cores ({@code cores / (cameras *
     * threads)}, at least 1), and {@code workers} when each call keeps one thread.
     */
    public int maxInFlight(InferenceConfig inference) {
        if (inference.maxInFlight() != InferenceConfig.AUTO_IN_FLIGHT) {
            return inference.maxInFlight();
        }
        int threads = inference instanceof OnnxDetector ? (onnxThreads == 0 ? cores : onnxThreads) : Math.max(1, opencvThreads);
        return threads > 1 ? Math.max(1, cores / (Math.max(1, cameras) * threads)) : workers;
    }

    /** One line for the log. */
    public String describe() {
        return String.format("%d camera(s) with multi-threaded detectors on %d cores: OpenCV threads per call %d, ONNX Runtime"
                + " threads %d (inference.opencv_threads and onnx_threads set them by hand, a camera's max_in_flight its frames)",
                cameras, cores, opencvThreads, onnxThreads);
    }
}
