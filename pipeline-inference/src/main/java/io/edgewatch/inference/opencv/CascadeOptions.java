package io.edgewatch.inference.opencv;

/**
 * An OpenCV cascade classifier.
 *
 * @param cascade the name of a cascade shipped with OpenCV ({@code haarcascade_fullbody.xml},
 *                {@code lbpcascade_frontalface.xml}, ...) or a path to a cascade XML file
 * @param className the class reported for its detections
 * @param scaleFactor pyramid scale step (OpenCV's default 1.1)
 * @param minNeighbors raw hits needed to keep a detection (OpenCV's default 3)
 * @param minSize smallest object side in pixels; 0 for none
 */
public record CascadeOptions(String cascade, String className, double scaleFactor, int minNeighbors, int minSize) {
}
