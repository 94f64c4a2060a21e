package io.edgewatch.inference.opencv;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.HOGDescriptor;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.inference.BlockingDetector;

/**
 * OpenCV's default HOG + linear SVM people detector.
 *
 * <p>Confidence: OpenCV gives each detection its SVM margin (the "weight": 0 at the decision
 * boundary, typically up to about 3). It is mapped to [0, 1] with the logistic function
 * {@code 1 / (1 + e^-weight)}, Platt scaling with unit slope and no offset: uncalibrated, but
 * monotonic, so ranking and "most confident per class" are those of the SVM. With the default
 * hit threshold of 0 every reported person has a confidence of at least 0.5.
 */
final class HogPeopleDetector implements BlockingDetector {

    private final HOGDescriptor hog = new HOGDescriptor();
    private final HogOptions options;
    private final Size winStride;
    private final Size padding = new Size();

    HogPeopleDetector(HogOptions options) {
        this.options = options;
        try (FloatPointer coefficients = HOGDescriptor.getDefaultPeopleDetector(); Mat svm = new Mat(coefficients)) {
            hog.setSVMDetector(svm);
        }
        this.winStride = options.winStride() > 0 ? new Size(options.winStride(), options.winStride()) : new Size();
    }

    @Override
    public List<Prediction> detect(Mat bgr) {
        try (RectVector found = new RectVector(); DoublePointer weights = new DoublePointer()) {
            hog.detectMultiScale(bgr, found, weights, options.hitThreshold(), winStride, padding,
                    options.scale(), options.groupThreshold(), false);
            List<Prediction> out = new ArrayList<>((int) found.size());
            for (long i = 0; i < found.size(); i++) {
                Rect r = found.get(i);
                double weight = i < weights.limit() ? weights.get(i) : 0.0;
                out.add(Prediction.detection("person", 1.0 / (1.0 + Math.exp(-weight)),
                        Box.fromCorner(r.x(), r.y(), r.width(), r.height())));
            }
            return out;
        }
    }

    @Override
    public void close() {
        hog.close();
        winStride.close();
        padding.close();
    }
}
