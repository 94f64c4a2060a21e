package io.edgewatch.core.aggregate.internal;

import java.util.Arrays;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.ConfidenceHistogram;

/**
 * Everything a window keeps about one class of one model: the best prediction so far, running
 * statistics and the distribution of confidences. Constant size, however many predictions it has
 * seen. A frame's own tally keeps its few confidences in a small array; the histogram is only
 * built by the tally a window keeps, so a classifier's thousand classes cost a frame no
 * thousand histograms.
 */
final class ClassTally {

    final String className;
    double bestConfidence;
    String bestInferenceId;
    long count;
    long frames;
    double sum;
    double min;
    double max;
    /** Call time over the frames the class appeared in, in microseconds. */
    long callMicros;
    /** This frame's confidences, until the tally becomes a window's. */
    private double[] pending;
    private int pendingSize;
    /** The window's distribution (null while the tally is a frame's). */
    private long[] bins;

    ClassTally(String className, double confidence, String inferenceId, long callMicros) {
        this.className = className;
        this.bestConfidence = confidence;
        this.bestInferenceId = inferenceId;
        this.count = 1;
        this.frames = 1;
        this.sum = confidence;
        this.min = confidence;
        this.max = confidence;
        this.callMicros = callMicros;
        this.pending = new double[] {confidence};
        this.pendingSize = 1;
    }

    /** Another prediction of the same frame. Only a strictly higher confidence replaces the best: ties keep the earliest. */
    void addSameFrame(double confidence, String inferenceId) {
        if (confidence > bestConfidence) {
            bestConfidence = confidence;
            bestInferenceId = inferenceId;
        }
        count++;
        sum += confidence;
        min = Math.min(min, confidence);
        max = Math.max(max, confidence);
        if (pendingSize == pending.length) {
            pending = Arrays.copyOf(pending, pendingSize * 2);
        }
        pending[pendingSize++] = confidence;
    }

    /** Folds in the tally of a later frame (or later part of the window). */
    void merge(ClassTally later) {
        if (later.bestConfidence > bestConfidence) {
            bestConfidence = later.bestConfidence;
            bestInferenceId = later.bestInferenceId;
        }
        count += later.count;
        frames += later.frames;
        sum += later.sum;
        min = Math.min(min, later.min);
        max = Math.max(max, later.max);
        callMicros += later.callMicros;
        settle();
        later.addTo(bins);
    }

    /** Moves the pending confidences into the histogram, creating it. */
    private void settle() {
        if (bins == null) {
            bins = new long[ConfidenceHistogram.BINS];
        }
        addTo(bins);
        pendingSize = 0;
    }

    private void addTo(long[] target) {
        for (int i = 0; i < pendingSize; i++) {
            target[ConfidenceHistogram.bin(pending[i])]++;
        }
        if (bins != null && bins != target) {
            for (int i = 0; i < bins.length; i++) {
                target[i] += bins[i];
            }
        }
    }

    ClassResult toResult(String modelId, String modelType) {
        return new ClassResult(modelId, className, bestConfidence, bestInferenceId, modelType);
    }

    ClassStats toStats() {
        settle();
        ConfidenceHistogram h = ConfidenceHistogram.of(bins);
        return new ClassStats(className, count, frames, min, sum / count, max, h.quantile(0.5, min, max), h,
                callMicros / 1000.0 / frames);
    }
}
