package io.edgewatch.core.aggregate.internal;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;

/**
 * Everything a window keeps about one class of one model: the best prediction so far and running
 * statistics. Constant size, however many predictions it has seen.
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

    ClassTally(String className, double confidence, String inferenceId) {
        this.className = className;
        this.bestConfidence = confidence;
        this.bestInferenceId = inferenceId;
        this.count = 1;
        this.frames = 1;
        this.sum = confidence;
        this.min = confidence;
        this.max = confidence;
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
    }

    ClassResult toResult(String modelId, String modelType) {
        return new ClassResult(modelId, className, bestConfidence, bestInferenceId, modelType);
    }

    ClassStats toStats() {
        return new ClassStats(className, count, frames, min, sum / count, max);
    }
}
