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
 * @param medianConfidence median confidence over all {@code count} predictions (from the
 *                         histogram: within 0.01)
 * @param confidence how the confidences were distributed
 * @param meanCallMillis the mean of the adapter's call time over the {@code frames} the class appeared in
 */
public record ClassStats(String className, long count, long frames, double minConfidence,
                         double meanConfidence, double maxConfidence, double medianConfidence,
                         ConfidenceHistogram confidence, double meanCallMillis) {

    /**
     * Summary figures alone (synthetic windows, tests): the distribution is taken as all
     * {@code count} predictions at the mean, so the median is the mean; call time unknown (0).
     */
    public ClassStats(String className, long count, long frames, double minConfidence, double meanConfidence,
                      double maxConfidence) {
        this(className, count, frames, minConfidence, meanConfidence, maxConfidence, meanConfidence,
                ConfidenceHistogram.single(meanConfidence, count), 0);
    }
}
