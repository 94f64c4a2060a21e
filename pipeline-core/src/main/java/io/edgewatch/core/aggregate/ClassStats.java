package io.edgewatch.core.aggregate;

/**
 * Every prediction of one class in one window, summarised.
 *
 * @param className the class
 * @param count predictions of the class (boxes, or classification candidates)
 * @param frames frames in which the class appeared at least once
 * @param minConfidence lowest confidence
 * @param meanConfidence mean confidence over all {@code count} predictions
 * @param maxConfidence highest confidence
 */
public record ClassStats(String className, long count, long frames, double minConfidence,
                         double meanConfidence, double maxConfidence) {
}
