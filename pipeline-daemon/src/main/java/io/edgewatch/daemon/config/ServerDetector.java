package io.edgewatch.daemon.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.inference.server.InferenceServerOptions;

/**
 * {@code type: roboflow}: a model on a Roboflow Inference Server; defaults are the reference
 * server's ({@link InferenceServerOptions#defaults}). The options are null when invalid (the error is recorded).
 */
public record ServerDetector(String modelId, int maxInFlight, Duration timeout, InferenceServerOptions options)
        implements InferenceConfig {

    public static final String TYPE = "roboflow";
    /** The server batches and pipelines: keep a few frames on their way. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 4;
    private static final List<String> TASKS = Arrays.stream(ModelType.values()).map(ModelType::wireName).toList();

    static ServerDetector read(Section s, Common common) {
        InferenceServerOptions d = InferenceServerOptions.defaults(InferenceServerOptions.DEFAULT_URL, "", "project/1",
                ModelType.OBJECT_DETECTION);
        String url = s.string("url", d.url());
        Secret apiKey = Secret.of(s.string("api_key", d.apiKey().reveal()));
        String modelId = s.requiredString("model_id");
        String task = s.oneOf("task", d.task().wireName(), TASKS);
        double confidence = s.number("confidence", d.confidence(), 0, 1);
        double iou = s.number("iou_threshold", d.iouThreshold(), 0, 1);
        int maxDetections = s.integer("max_detections", d.maxDetections(), 1, 100_000);
        List<String> classFilter = s.stringList("class_filter", d.classFilter());
        int quality = s.integer("jpeg_quality", d.jpegQuality(), 1, 100);
        boolean disableMonitoring = s.bool("disable_model_monitoring", d.disableModelMonitoring());
        boolean legacy = s.bool("legacy_route", d.legacyRoute());
        boolean valid = modelId != null && task != null;
        if (modelId != null && !modelId.matches("[^/\\s]+/[^/\\s]+")) {
            s.error("model_id", Echo.quote(modelId) + " is not a Roboflow model id (project/version, such as people-detection/3)");
            valid = false;
        }
        if (!s.httpUrl("url", url, InferenceServerOptions.DEFAULT_URL)) {
            valid = false;
        }
        if (legacy && task != null && !task.equals(ModelType.OBJECT_DETECTION.wireName())) {
            s.error("legacy_route", "the legacy /{project}/{version} route serves object detection only, not " + task);
            valid = false;
        }
        InferenceServerOptions options = valid ? new InferenceServerOptions(url, apiKey, modelId, ModelType.fromWireName(task),
                confidence, iou, maxDetections, classFilter, quality, disableMonitoring, legacy) : null;
        return new ServerDetector(common.modelId(options == null ? "unknown" : options.modelId()),
                common.maxInFlight(DEFAULT_MAX_IN_FLIGHT), common.timeout(), options);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public InferenceAdapter create(String cameraId, DetectorContext context) {
        return context.server(options.url(), timeout).adapter(cameraId, options, context.workers());
    }
}
