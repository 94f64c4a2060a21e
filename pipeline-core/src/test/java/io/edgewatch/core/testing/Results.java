package io.edgewatch.core.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;

/** Builders of inference results for tests. */
public final class Results {

    private Results() {
    }

    /** A detection of {@code className} with {@code confidence}. */
    public static Prediction det(String className, double confidence) {
        return Prediction.detection(className, confidence, new Box(10, 10, 4, 4));
    }

    /** An object-detection result of model {@code modelId} on frame {@code seq} of camera {@code cam}. */
    public static FrameEvent.Inferred inferred(String cam, String modelId, long seq, String inferenceId,
                                               Prediction... predictions) {
        return inferred(cam, modelId, ModelType.OBJECT_DETECTION, seq, inferenceId, predictions);
    }

    public static FrameEvent.Inferred inferred(String cam, String modelId, ModelType type, long seq,
                                               String inferenceId, Prediction... predictions) {
        return new FrameEvent.Inferred(new InferenceResult(inferenceId, cam, seq, modelId, type,
                List.of(predictions), 0L, Instant.EPOCH, Duration.ofMillis(20), Duration.ofMillis(25), Duration.ofMillis(30).toNanos()));
    }
}
