package io.edgewatch.core.inference;

/**
 * One candidate of one inference: a detected box with its class, or one class of a
 * classification. {@code box} is null for classifications.
 *
 * <p>Missing values follow the reference aggregator: a missing class name becomes {@code ""}, a
 * missing or non-finite confidence {@code 0.0}.
 */
public record Prediction(String className, double confidence, Box box) {

    public Prediction {
        className = className == null ? "" : className;
        confidence = Double.isFinite(confidence) ? confidence : 0.0;
    }

    /** A detection. */
    public static Prediction detection(String className, double confidence, Box box) {
        return new Prediction(className, confidence, box);
    }

    /** One class of a classification, or a candidate whose fields may be missing. */
    public static Prediction of(String className, Double confidence) {
        return new Prediction(className, confidence == null ? 0.0 : confidence, null);
    }
}
