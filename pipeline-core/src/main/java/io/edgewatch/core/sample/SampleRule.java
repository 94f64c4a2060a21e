package io.edgewatch.core.sample;

import java.util.List;
import java.util.Set;

import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.Prediction;

/**
 * What makes a frame worth a sample, read from its result alone (and, for the two of edgewatch's
 * own, from the camera's {@link CameraSignals}). An empty class set means every class.
 */
public sealed interface SampleRule {

    /** Whether {@code result} matches; {@code signals} says what the camera's health knows. */
    boolean matches(InferenceResult result, CameraSignals signals);

    /** The strategy type as written in a camera file. */
    String type();

    /** Every inferred frame ({@code random}; its share is the strategy's probability). */
    record Random() implements SampleRule {
        @Override
        public boolean matches(InferenceResult result, CameraSignals signals) {
            return true;
        }

        @Override
        public String type() {
            return "random";
        }
    }

    /**
     * At least {@code minimum} predictions of {@code classes} strictly within {@code epsilon} of
     * {@code threshold} ({@code close_to_threshold}): the model was unsure.
     */
    record CloseToThreshold(double threshold, double epsilon, Set<String> classes, int minimum) implements SampleRule {
        public CloseToThreshold {
            classes = Set.copyOf(classes);
        }

        @Override
        public boolean matches(InferenceResult result, CameraSignals signals) {
            int close = 0;
            List<Prediction> ps = result.predictions();
            for (int i = 0; i < ps.size(); i++) {
                Prediction p = ps.get(i);
                if ((classes.isEmpty() || classes.contains(p.className())) && Math.abs(p.confidence() - threshold) < epsilon
                        && ++close >= minimum) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String type() {
            return "close_to_threshold";
        }
    }

    /**
     * The count of detections of {@code classes} is more than {@code moreThan} and less than
     * {@code lessThan} (either may be absent: -1 and {@link Integer#MAX_VALUE}) ({@code detections_number}).
     */
    record DetectionsNumber(int moreThan, int lessThan, Set<String> classes) implements SampleRule {
        public DetectionsNumber {
            classes = Set.copyOf(classes);
        }

        @Override
        public boolean matches(InferenceResult result, CameraSignals signals) {
            int n = 0;
            List<Prediction> ps = result.predictions();
            for (int i = 0; i < ps.size(); i++) {
                if (classes.isEmpty() || classes.contains(ps.get(i).className())) {
                    n++;
                }
            }
            return n > moreThan && n < lessThan;
        }

        @Override
        public String type() {
            return "detections_number";
        }
    }

    /** A prediction of one of {@code classes} ({@code classes}). */
    record Classes(Set<String> classes) implements SampleRule {
        public Classes {
            classes = Set.copyOf(classes);
        }

        @Override
        public boolean matches(InferenceResult result, CameraSignals signals) {
            List<Prediction> ps = result.predictions();
            for (int i = 0; i < ps.size(); i++) {
                if (classes.contains(ps.get(i).className())) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String type() {
            return "classes";
        }
    }

    /** While a drift or latency alert of the camera is firing ({@code while_alert}). */
    record WhileAlert() implements SampleRule {
        @Override
        public boolean matches(InferenceResult result, CameraSignals signals) {
            return signals.alertFiring();
        }

        @Override
        public String type() {
            return "while_alert";
        }
    }

    /** A class that the camera's learnt baseline never saw; never before a baseline is learnt ({@code unseen_class}). */
    record UnseenClass() implements SampleRule {
        @Override
        public boolean matches(InferenceResult result, CameraSignals signals) {
            Set<String> known = signals.baselineClasses();
            if (known == null) {
                return false;
            }
            List<Prediction> ps = result.predictions();
            for (int i = 0; i < ps.size(); i++) {
                if (!known.contains(ps.get(i).className())) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String type() {
            return "unseen_class";
        }
    }
}
