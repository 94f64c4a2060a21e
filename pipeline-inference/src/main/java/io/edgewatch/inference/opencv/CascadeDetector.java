package io.edgewatch.inference.opencv;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.inference.BlockingDetector;

/**
 * An OpenCV cascade classifier (Haar or LBP) on the equalised grey image.
 *
 * <p>Confidence: a cascade has no score, but OpenCV tells how many raw hits ({@code n}, the
 * "neighbours") were merged into each detection; more hits mean a steadier detection. It is mapped
 * to [0, 1] as {@code n / (n + minNeighbors)}: 0.5 at the acceptance limit, rising towards 1.
 */
final class CascadeDetector implements BlockingDetector {

    /**
     * A folder laid out as OpenCV's {@code share/opencv4} ({@code haarcascades/}, {@code lbpcascades/}) where a
     * cascade named without a path is looked for first, as it is or gzipped ({@code NAME.gz}): the Debian package's {@code /usr/share/edgewatch/opencv4},
     * so nothing is extracted at start. Unset, or without that file, it comes from OpenCV's jar through JavaCPP's
     * cache.
     */
    static final String DATA_PROPERTY = "edgewatch.opencv.data";

    private final CascadeClassifier classifier;
    private final CascadeOptions options;
    private final Size minSize;
    private final Size maxSize = new Size();
    private final Mat gray = new Mat();

    CascadeDetector(CascadeOptions options) {
        this.options = options;
        String file = locate(options.cascade());
        this.classifier = new CascadeClassifier();
        if (!classifier.load(file)) {
            classifier.close();
            throw new IllegalArgumentException("cascade '" + options.cascade() + "' could not be loaded from " + file);
        }
        this.minSize = options.minSize() > 0 ? new Size(options.minSize(), options.minSize()) : new Size();
    }

    /** A path to an existing file, or the name of a cascade shipped with OpenCV (in {@link #DATA_PROPERTY}, or in its jar). */
    static String locate(String cascade) {
        Path path = Path.of(cascade);
        if (Files.isRegularFile(path)) {
            return path.toString();
        }
        if (cascade.contains("/") || cascade.contains(File.separator)) {
            throw new IllegalArgumentException("cascade file " + cascade + " does not exist");
        }
        String folder = cascade.startsWith("lbp") ? "lbpcascades" : "haarcascades";
        String data = System.getProperty(DATA_PROPERTY);
        if (data != null && !data.isEmpty()) {
            // as shipped, or gzipped (OpenCV reads a .gz file as it is: the package's are, a tenth of the size)
            for (String name : new String[] {cascade, cascade + ".gz"}) {
                Path unpacked = Path.of(data, folder, name);
                if (Files.isRegularFile(unpacked)) {
                    return unpacked.toString();
                }
            }
        }
        String resource = "/org/bytedeco/opencv/" + Loader.getPlatform() + "/share/opencv4/" + folder + "/" + cascade;
        try {
            File cached = Loader.cacheResource(CascadeDetector.class, resource);
            if (cached == null) {
                throw new IllegalArgumentException("no cascade named '" + cascade
                        + "' ships with OpenCV (try haarcascade_fullbody.xml, haarcascade_frontalface_default.xml,"
                        + " lbpcascade_frontalface.xml) and no such file exists");
            }
            return cached.getPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("cascade '" + cascade + "' could not be extracted: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Prediction> detect(Mat bgr) {
        opencv_imgproc.cvtColor(bgr, gray, opencv_imgproc.COLOR_BGR2GRAY);
        opencv_imgproc.equalizeHist(gray, gray);
        try (RectVector found = new RectVector(); IntPointer hits = new IntPointer()) {
            classifier.detectMultiScale2(gray, found, hits, options.scaleFactor(), options.minNeighbors(), 0,
                    minSize, maxSize);
            List<Prediction> out = new ArrayList<>((int) found.size());
            double k = Math.max(1, options.minNeighbors());
            for (long i = 0; i < found.size(); i++) {
                Rect r = found.get(i);
                double n = i < hits.limit() ? hits.get(i) : k;
                out.add(Prediction.detection(options.className(), n / (n + k),
                        Box.fromCorner(r.x(), r.y(), r.width(), r.height())));
            }
            return out;
        }
    }

    @Override
    public void close() {
        classifier.close();
        minSize.close();
        maxSize.close();
        gray.close();
    }
}
