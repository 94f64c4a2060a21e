/**
 * OpenCV's built-in detectors (HOG people, cascade classifiers, MOG2 motion), created through
 * {@link io.edgewatch.inference.opencv.OpenCvDetectors} and configured by their option records.
 * The detectors themselves are package-private. They block, so they run on the worker scheduler the
 * caller supplies, with one detector per worker thread. The exception is motion: its detector is
 * stateful and shared, so calls are serialised and must come in frame order. A cascade that cannot
 * be loaded fails at creation with {@code IllegalArgumentException}.
 */
package io.edgewatch.inference.opencv;
