package io.edgewatch.inference.opencv;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.global.opencv_video;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_video.BackgroundSubtractorMOG2;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.inference.BlockingDetector;

/**
 * Moving regions, class {@code motion}, from MOG2 background subtraction: frames are scaled to at
 * most 320 pixels wide (the background model holds five Gaussians a pixel, 100 bytes: 30 MB for a
 * 640x480 frame, 7.7 MB at 320x240, and the subtraction's cost falls with it), the foreground mask is cleaned (shadows dropped, opened, dilated), and
 * each outer contour's bounding box of at least {@code minArea} frame pixels is a detection.
 *
 * <p>Confidence: the share of the box's pixels that are foreground, in [0, 1]: a solid moving
 * object scores near 1, a box around scattered noise low. Stateful (the background model learns
 * from every frame), so frames must come in order and one at a time.
 */
final class MotionDetector implements BlockingDetector {

    private static final int MAX_WIDTH = 320;

    private final MotionOptions options;
    private final BackgroundSubtractorMOG2 subtractor;
    private final Mat small = new Mat();
    private final Mat mask = new Mat();
    private final Mat kernel = opencv_imgproc.getStructuringElement(opencv_imgproc.MORPH_RECT, new Size(3, 3));
    private long frames;

    MotionDetector(MotionOptions options) {
        this.options = options;
        this.subtractor = opencv_video.createBackgroundSubtractorMOG2(options.history(), options.varThreshold(), true);
    }

    @Override
    public List<Prediction> detect(Mat bgr) {
        double scale = bgr.cols() > MAX_WIDTH ? (double) MAX_WIDTH / bgr.cols() : 1.0;
        Mat input = bgr;
        if (scale < 1.0) {
            try (Size size = new Size(MAX_WIDTH, (int) Math.round(bgr.rows() * scale))) {
                opencv_imgproc.resize(bgr, small, size, 0, 0, opencv_imgproc.INTER_AREA);
            }
            input = small;
        }
        subtractor.apply(input, mask);
        if (frames++ < options.warmupFrames()) {
            return List.of();
        }
        // MOG2 marks shadows 127 and foreground 255
        opencv_imgproc.threshold(mask, mask, 200, 255, opencv_imgproc.THRESH_BINARY);
        try (Point anchor = new Point(-1, -1)) {
            opencv_imgproc.morphologyEx(mask, mask, opencv_imgproc.MORPH_OPEN, kernel);
            opencv_imgproc.dilate(mask, mask, kernel, anchor, 2, opencv_core.BORDER_CONSTANT,
                    opencv_imgproc.morphologyDefaultBorderValue());
        }
        List<Prediction> out = new ArrayList<>();
        try (MatVector contours = new MatVector(); Mat hierarchy = new Mat()) {
            opencv_imgproc.findContours(mask, contours, hierarchy, opencv_imgproc.RETR_EXTERNAL,
                    opencv_imgproc.CHAIN_APPROX_SIMPLE);
            double minArea = options.minArea() * scale * scale;
            for (long i = 0; i < contours.size(); i++) {
                try (Rect r = opencv_imgproc.boundingRect(contours.get(i))) {
                    double area = (double) r.width() * r.height();
                    if (area < minArea || area <= 0) {
                        continue;
                    }
                    double foreground;
                    try (Mat roi = new Mat(mask, r)) {
                        foreground = opencv_core.countNonZero(roi) / area;
                    }
                    out.add(Prediction.detection("motion", Math.min(1.0, foreground),
                            Box.fromCorner(r.x() / scale, r.y() / scale, r.width() / scale, r.height() / scale)));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        subtractor.close();
        small.close();
        mask.close();
        kernel.close();
    }
}
