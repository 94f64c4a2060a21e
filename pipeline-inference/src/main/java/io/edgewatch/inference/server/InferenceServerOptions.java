package io.edgewatch.inference.server;

import java.net.URI;
import java.util.List;
import java.util.Objects;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.core.inference.ModelType;

/**
 * How to call a Roboflow Inference Server for one camera's model.
 *
 * @param url the server, {@code http://127.0.0.1:9001} by default; no trailing slash
 * @param apiKey the Roboflow API key sent with each request, or empty; never logged
 * @param modelId {@code project/version}
 * @param task the model's task: picks the v1 endpoint and how answers are read
 * @param confidence minimum confidence the server keeps, 0 to 1
 * @param iouThreshold the server's NMS threshold, 0 to 1
 * @param maxDetections most boxes per frame
 * @param classFilter only these classes, or empty for all
 * @param jpegQuality the JPEG quality frames are encoded at, 1 to 100
 * @param disableModelMonitoring ask the server not to report to Model Monitoring itself (edgewatch does)
 * @param legacyRoute use {@code POST /{project}/{version}} instead of the v1 endpoints (object detection only)
 */
public record InferenceServerOptions(String url, Secret apiKey, String modelId, ModelType task, double confidence,
                                     double iouThreshold, int maxDetections, List<String> classFilter,
                                     int jpegQuality, boolean disableModelMonitoring, boolean legacyRoute) {

    public static final String DEFAULT_URL = "http://127.0.0.1:9001";

    public InferenceServerOptions {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(task, "task");
        url = url == null || url.isBlank() ? DEFAULT_URL : url.replaceAll("/+$", "");
        URI parsed = URI.create(url);
        if (parsed.getScheme() == null || !parsed.getScheme().matches("https?") || parsed.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL: " + url);
        }
        apiKey = apiKey == null ? Secret.none() : apiKey;
        classFilter = classFilter == null ? List.of() : List.copyOf(classFilter);
        if (jpegQuality < 1 || jpegQuality > 100) {
            throw new IllegalArgumentException("JPEG quality must be 1 to 100, not " + jpegQuality);
        }
        if (legacyRoute && !modelId.matches("[^/]+/[^/]+")) {
            throw new IllegalArgumentException("the legacy route needs a model id of the form project/version, not " + modelId);
        }
        if (legacyRoute && task != ModelType.OBJECT_DETECTION) {
            throw new IllegalArgumentException("the legacy route serves object detection only");
        }
    }

    /** The defaults of the reference server: confidence 0.4, IoU 0.3, 300 detections; JPEG quality 85. */
    public static InferenceServerOptions defaults(String url, String apiKey, String modelId, ModelType task) {
        return new InferenceServerOptions(url, Secret.of(apiKey), modelId, task, 0.4, 0.3, 300, List.of(), 85, true, false);
    }

    /** The v1 path for the task. */
    public String path() {
        if (legacyRoute) {
            return "/" + modelId;
        }
        return switch (task) {
            case OBJECT_DETECTION -> "/infer/object_detection";
            case INSTANCE_SEGMENTATION -> "/infer/instance_segmentation";
            case KEYPOINT_DETECTION -> "/infer/keypoints_detection";
            case CLASSIFICATION -> "/infer/classification";
        };
    }

    /** Everything but the key, which shows as {@code ***}. */
    @Override
    public String toString() {
        return "InferenceServerOptions[url=" + url + ", apiKey=" + (apiKey.isEmpty() ? "" : "***") + ", modelId=" + modelId
                + ", task=" + task.wireName() + ", confidence=" + confidence + ", iouThreshold=" + iouThreshold
                + ", maxDetections=" + maxDetections + ", classFilter=" + classFilter + ", jpegQuality=" + jpegQuality
                + ", disableModelMonitoring=" + disableModelMonitoring + ", legacyRoute=" + legacyRoute + "]";
    }
}
