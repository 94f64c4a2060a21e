package io.edgewatch.inference.opencv;

/**
 * OpenCV's HOG people detector ({@code HOGDescriptor.getDefaultPeopleDetector()}).
 *
 * @param hitThreshold SVM margin a window must exceed (OpenCV's default 0)
 * @param winStride window step in pixels; 0 for OpenCV's default (the block stride, 8)
 * @param scale pyramid scale step (OpenCV's default 1.05)
 * @param groupThreshold how many overlapping hits make a detection (OpenCV's default 2)
 */
public record HogOptions(double hitThreshold, int winStride, double scale, int groupThreshold) {

    /** OpenCV's defaults, those of the reference figures in the fixtures README. */
    public static final HogOptions DEFAULTS = new HogOptions(0, 0, 1.05, 2);
}
