package io.edgewatch.sink.samples;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;

/**
 * One frame kept for labelling, as encoded: its predictions are in the encoded image's pixels
 * (scaled with it when the frame was made smaller).
 *
 * @param id unique within the camera, and in time order ({@code <epoch ms>-<frame sequence>})
 * @param cameraId the camera
 * @param at when the frame was captured
 * @param strategy the strategy that chose it
 * @param tags the strategy's tags
 * @param modelId the model that inferred it
 * @param inferenceId the result's inference id
 * @param width the encoded image's width
 * @param height the encoded image's height
 * @param predictions what the model said, in the encoded image's pixels
 */
public record Sample(String id, String cameraId, Instant at, String strategy, List<String> tags, String modelId,
                     String inferenceId, int width, int height, List<Prediction> predictions) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Sample {
        tags = List.copyOf(tags);
        predictions = List.copyOf(predictions);
    }

    /** {@code <epoch ms>-<sequence>}: sorts as it was captured. */
    public static String id(Instant at, long sequence) {
        return String.format("%013d-%d", at.toEpochMilli(), sequence);
    }

    /** The local endpoint's and the store's form. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode().put("id", id).put("camera", cameraId).put("at", at.toString())
                .put("strategy", strategy);
        tags.forEach(n.putArray("tags")::add);
        n.put("model", modelId).put("inference_id", inferenceId).put("width", width).put("height", height);
        ArrayNode ps = n.putArray("predictions");
        for (Prediction p : predictions) {
            ObjectNode o = ps.addObject().put("class", p.className()).put("confidence", p.confidence());
            if (p.box() != null) {
                o.put("x", p.box().x()).put("y", p.box().y()).put("width", p.box().width()).put("height", p.box().height());
            }
        }
        return n;
    }

    /** Reads {@link #toJson()}'s form back. */
    public static Sample fromJson(JsonNode n) {
        List<String> tags = new ArrayList<>();
        n.path("tags").forEach(t -> tags.add(t.asText()));
        List<Prediction> ps = new ArrayList<>();
        for (JsonNode o : n.path("predictions")) {
            Box box = o.has("x") ? new Box(o.get("x").asDouble(), o.get("y").asDouble(), o.get("width").asDouble(),
                    o.get("height").asDouble()) : null;
            ps.add(new Prediction(o.path("class").asText(), o.path("confidence").asDouble(), box));
        }
        return new Sample(n.path("id").asText(), n.path("camera").asText(), Instant.parse(n.path("at").asText()),
                n.path("strategy").asText(), tags, n.path("model").asText(), n.path("inference_id").asText(null),
                n.path("width").asInt(), n.path("height").asInt(), ps);
    }
}
