package io.edgewatch.daemon.config;

/**
 * {@code inference:} in {@code edgewatch.yaml}, the resources every camera's detector shares.
 *
 * <p>Three bounds decide how many frames are in inference at once, and they hold together:
 * a camera never has more than its own {@code max_in_flight} frames in inference (the camera
 * file's {@code inference.max_in_flight}; results keep frame order); blocking detectors (OpenCV,
 * ONNX Runtime, JPEG encoding for the Inference Server) run on {@code workers} threads shared by
 * every camera, so at most {@code min(workers, sum of the cameras' max_in_flight)} run at once; and
 * the requests to one Roboflow Inference Server, over all the cameras that use it, are at most
 * {@code server_max_in_flight} (its client's connection pool). A frame waiting for a worker or a
 * connection is still counted against its camera's {@code max_in_flight} and its
 * {@code inference.timeout}.
 *
 * @param workers inference threads shared by all cameras
 * @param opencvThreads threads OpenCV may use inside one call (1: parallelism comes from frames)
 * @param serverMaxInFlight requests in flight at once to one Inference Server, over all its cameras
 * @param onnxThreads threads ONNX Runtime may use inside one inference (0: its own default, all cores)
 */
public record InferencePool(int workers, int opencvThreads, int serverMaxInFlight, int onnxThreads) {

    /** {@code inference.workers} when not set: one a core. */
    public static int defaultWorkers() {
        return Runtime.getRuntime().availableProcessors();
    }

    public static final int DEFAULT_OPENCV_THREADS = 1;
    public static final int DEFAULT_SERVER_MAX_IN_FLIGHT = 16;
    public static final int DEFAULT_ONNX_THREADS = 1;

    static InferencePool read(Section s) {
        InferencePool pool = new InferencePool(s.integer("workers", defaultWorkers(), 1, 256),
                s.integer("opencv_threads", DEFAULT_OPENCV_THREADS, 0, 256),
                s.integer("server_max_in_flight", DEFAULT_SERVER_MAX_IN_FLIGHT, 1, 1024),
                s.integer("onnx_threads", DEFAULT_ONNX_THREADS, 0, 256));
        s.rejectUnknownKeys();
        return pool;
    }
}
