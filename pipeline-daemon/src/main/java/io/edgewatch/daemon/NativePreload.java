package io.edgewatch.daemon;

import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.edgewatch.daemon.config.CameraConfig;

/**
 * Loads the native libraries a run needs (FFmpeg's, OpenCV's, SQLite's, ONNX Runtime's: half a second of
 * the start on a small box) on a thread of its own while the main thread parses the command line,
 * sets up logging, reads the configuration and opens the stores. Each library is loaded by
 * initialising its JavaCPP class, as its first use would; a use that comes first waits for the
 * load in progress (the JVM's class initialisation), and a load that fails here is left for that
 * use to report. Only what the configuration uses is loaded: a detector's libraries once the
 * configuration names it.
 *
 * <p>JavaCPP's own {@code Loader} and {@code Pointer} are initialised on the calling thread first:
 * initialising those two from two threads at once can deadlock (bytedeco/javacpp#737). Past them,
 * the preset classes depend on one another and never on ours, so a use on another thread can wait
 * for a load here but never the other way round.
 */
final class NativePreload {

    /** What every run decodes frames with. */
    static final List<String> COMMON = List.of(
            "org.bytedeco.ffmpeg.global.avutil", "org.bytedeco.ffmpeg.global.swresample", "org.bytedeco.ffmpeg.global.avcodec",
            "org.bytedeco.ffmpeg.global.avformat", "org.bytedeco.ffmpeg.global.swscale", "org.bytedeco.ffmpeg.global.avfilter",
            "org.bytedeco.ffmpeg.global.avdevice", "org.bytedeco.opencv.global.opencv_core", "org.bytedeco.opencv.global.opencv_imgproc");

    /** A detector's own, by {@code inference.type}. */
    static final Map<String, String> BY_DETECTOR = Map.of(
            "motion", "org.bytedeco.opencv.global.opencv_video",
            "hog", "org.bytedeco.opencv.global.opencv_objdetect",
            "cascade", "org.bytedeco.opencv.global.opencv_objdetect",
            "onnx", "ai.onnxruntime.OrtEnvironment",
            "roboflow", "org.bytedeco.opencv.global.opencv_imgcodecs");
    /** JPEG encoding: samples (and the Roboflow server's frames). */
    static final String IMAGE_CODECS = "org.bytedeco.opencv.global.opencv_imgcodecs";
    /** SQLite's library loader: health.db is always opened. */
    static final String SQLITE = "org.sqlite.SQLiteJDBCLoader";

    private static ExecutorService loader;

    private NativePreload() {
    }

    /** Starts loading what every run needs (unless {@code -Dedgewatch.preload=false}: each loads at its first use). */
    static synchronized void start() {
        if (loader != null || "false".equals(System.getProperty("edgewatch.preload"))) {
            return;
        }
        try {
            Class.forName("org.bytedeco.javacpp.Pointer", true, NativePreload.class.getClassLoader());
        } catch (ReflectiveOperationException | LinkageError e) {
            return; // the first real use reports it
        }
        loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "edgewatch-preload");
            t.setDaemon(true);
            return t;
        });
        load(COMMON);
        // SQLite's library (health.db is always opened) and the JDBC drivers
        loader.execute(() -> {
            try {
                Class.forName(SQLITE).getMethod("initialize").invoke(null);
                DriverManager.getDrivers();
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // the store's open says what is wrong
            }
        });
    }

    /** Loads, after what is under way, the libraries of the detectors (and samples) these cameras use. */
    static synchronized void cameras(Collection<CameraConfig> cameras) {
        if (loader == null) {
            return;
        }
        load(forCameras(cameras));
    }

    /** The classes whose libraries these cameras' detectors and samples need beyond {@link #COMMON}. */
    static List<String> forCameras(Collection<CameraConfig> cameras) {
        Set<String> out = new LinkedHashSet<>();
        for (CameraConfig c : cameras) {
            String own = BY_DETECTOR.get(c.inference().type());
            if (own != null) {
                out.add(own);
            }
            if (c.samples() != null) {
                out.add(IMAGE_CODECS);
            }
        }
        return new ArrayList<>(out);
    }

    private static void load(List<String> classes) {
        for (String name : classes) {
            loader.execute(() -> {
                try {
                    Class.forName(name, true, NativePreload.class.getClassLoader());
                } catch (ReflectiveOperationException | LinkageError e) {
                    // not on the class path, or it cannot load here: the first real use says so
                }
            });
        }
    }
}
