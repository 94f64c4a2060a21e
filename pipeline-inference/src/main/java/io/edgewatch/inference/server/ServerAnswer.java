package io.edgewatch.inference.server;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;

/**
 * One answer of the inference server, read into the core types. Boxes come as centre and size in
 * pixels, as {@link Box} keeps them. Classification answers are a list (single-label, with
 * {@code top}) or a map from class to {@code {confidence, class_id}} (multi-label); both become one
 * prediction per class, in the server's order. Anything else is {@link InferenceException.Kind#MALFORMED}.
 *
 * @param inferenceId the server's {@code inference_id}, or null when it sent none
 * @param serverTime the server's {@code time}, pre- and post-processing included
 * @param predictions what the model said
 */
record ServerAnswer(String inferenceId, Duration serverTime, List<Prediction> predictions) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ServerAnswer parse(byte[] body, ModelType task) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw malformed("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw malformed("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw malformed("not a JSON object");
        }
        String id = root.path("inference_id").isTextual() ? root.get("inference_id").asText() : null;
        Duration time = Duration.ZERO;
        JsonNode t = root.get("time");
        if (t != null && !t.isNull()) {
            if (!t.isNumber() || !Double.isFinite(t.asDouble()) || t.asDouble() < 0) {
                throw malformed("time is not a number of seconds: " + t);
            }
            time = Duration.ofNanos(Math.round(t.asDouble() * 1e9));
        }
        JsonNode predictions = root.get("predictions");
        if (predictions == null || predictions.isNull()) {
            throw malformed("no predictions");
        }
        List<Prediction> out = new ArrayList<>();
        if (task == ModelType.CLASSIFICATION) {
            if (predictions.isArray()) {
                for (JsonNode p : predictions) {
                    out.add(Prediction.of(text(p, "class"), number(p, "confidence")));
                }
            } else if (predictions.isObject()) {
                for (Map.Entry<String, JsonNode> e : predictions.properties()) {
                    out.add(Prediction.of(e.getKey(), number(e.getValue(), "confidence")));
                }
            } else {
                throw malformed("predictions is neither a list nor a map of classes");
            }
        } else {
            if (!predictions.isArray()) {
                throw malformed("predictions is not a list");
            }
            for (JsonNode p : predictions) {
                Box box = new Box(number(p, "x"), number(p, "y"), number(p, "width"), number(p, "height"));
                out.add(Prediction.detection(text(p, "class"), number(p, "confidence"), box));
            }
        }
        return new ServerAnswer(id, time, out);
    }

    private static double number(JsonNode p, String field) {
        JsonNode v = p == null ? null : p.get(field);
        if (v == null || !v.isNumber()) {
            throw malformed("a prediction has no number '" + field + "': " + abbreviate(p));
        }
        return v.asDouble();
    }

    private static String text(JsonNode p, String field) {
        JsonNode v = p == null ? null : p.get(field);
        if (v == null || !v.isTextual()) {
            throw malformed("a prediction has no text '" + field + "': " + abbreviate(p));
        }
        return v.asText();
    }

    private static String abbreviate(JsonNode p) {
        String s = String.valueOf(p);
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private static InferenceException malformed(String why) {
        return new InferenceException(InferenceException.Kind.MALFORMED, "malformed answer: " + why);
    }
}
