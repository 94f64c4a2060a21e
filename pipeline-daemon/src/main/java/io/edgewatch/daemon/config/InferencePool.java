package io.edgewatch.daemon.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
 * <p>Threads inside one call ({@code opencv_threads}, {@code onnx_threads}) are decided by the
 * {@link ThreadRule} unless written here.
 *
 * @param opencvThreads threads OpenCV may use inside one call ({@link #AUTO}: the {@link ThreadRule}'s)
 * @param serverMaxInFlight requests in flight at once to one Inference Server, over all its cameras
 * @param onnxThreads threads ONNX Runtime may use inside one inference (0: its own default, all cores; {@link #AUTO}: the rule's)
 */
public record InferencePool(int workers, int opencvThreads, int serverMaxInFlight, int onnxThreads, Path onnxNativePath) {

    /** With ONNX Runtime's libraries from the jar. */
    public InferencePool(int workers, int opencvThreads, int serverMaxInFlight, int onnxThreads) {
        this(workers, opencvThreads, serverMaxInFlight, onnxThreads, null);
    }

    /** The libraries ONNX Runtime's Java binding needs in a {@code native_path} folder, built with {@code --build_java}. */
    static final List<String> ORT_LIBRARIES = List.of("libonnxruntime.so", "libonnxruntime4j_jni.so");

    /** {@code inference.workers} when not set: one a core. */
    public static int defaultWorkers() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@code opencv_threads} or {@code onnx_threads} not written: the {@link ThreadRule} decides. */
    public static final int AUTO = -1;
    public static final int DEFAULT_SERVER_MAX_IN_FLIGHT = 16;

    static InferencePool read(Section s) {
        return read(s, null);
    }

    /**
     * {@code inference:} and {@code onnxruntime:} ({@code native_path}: a folder with an ONNX Runtime
     * built for this box, a Jetson's with CUDA and TensorRT, loaded instead of the jar's CPU build).
     */
    static InferencePool read(Section s, Section ort) {
        Path nativePath = null;
        if (ort != null) {
            String dir = ort.string("native_path", null);
            if (dir != null) {
                nativePath = Path.of(dir).toAbsolutePath().normalize();
                if (!Files.isDirectory(nativePath)) {
                    ort.error("native_path", "folder " + nativePath + " does not exist");
                } else {
                    for (String lib : ORT_LIBRARIES) {
                        if (!Files.isReadable(nativePath.resolve(lib))) {
                            ort.error("native_path", "folder " + nativePath + " has no " + lib
                                    + " (build ONNX Runtime " + ORT_VERSION + " on the box with --build_java; see the README)");
                            break;
                        }
                    }
                }
            }
            ort.rejectUnknownKeys();
        }
        InferencePool pool = new InferencePool(s.integer("workers", defaultWorkers(), 1, 256),
                s.integer("opencv_threads", AUTO, 0, 256),
                s.integer("server_max_in_flight", DEFAULT_SERVER_MAX_IN_FLIGHT, 1, 1024),
                s.integer("onnx_threads", AUTO, 0, 256), nativePath);
        s.rejectUnknownKeys();
        return pool;
    }

    /** The ONNX Runtime version whose Java classes the jar carries: a native_path build must be the same. */
    static final String ORT_VERSION = ortVersion();

    private static String ortVersion() {
        Package p = ai.onnxruntime.OrtEnvironment.class.getPackage();
        return p != null && p.getImplementationVersion() != null ? p.getImplementationVersion() : "of the jar";
    }
}
