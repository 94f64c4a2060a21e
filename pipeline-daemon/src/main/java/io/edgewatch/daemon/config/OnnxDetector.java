package io.edgewatch.daemon.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.inference.onnx.OnnxOptions;

/**
 * {@code type: onnx}: an exported YOLO-family model run in-process; defaults are
 * {@link OnnxOptions#defaults}'. The options are null when invalid (the error is recorded).
 */
public record OnnxDetector(String modelId, int maxInFlight, Duration timeout, OnnxOptions options) implements InferenceConfig {

    public static final String TYPE = "onnx";

    static OnnxDetector read(Section s, Common common) {
        OnnxOptions d = OnnxOptions.defaults(Path.of("model.onnx"));
        String model = s.requiredString("model");
        List<String> names = s.stringList("class_names", d.classNames());
        String namesFile = s.string("class_names_file", null);
        int inputSize = s.integer("input_size", d.inputSize(), 0, 8192);
        double confidence = s.number("confidence", d.confidence(), 0, 1);
        double iou = s.number("iou_threshold", d.iouThreshold(), 0, 1);
        int maxDetections = s.integer("max_detections", d.maxDetections(), 1, 100_000);
        String layout = s.oneOf("layout", d.layout().name().toLowerCase(Locale.ROOT), List.of("auto", "yolov5", "yolov8"));
        List<OnnxOptions.Provider> providers = providers(s);
        if (inputSize % 32 != 0) {
            s.error("input_size", "must be a multiple of 32 (such as 640), or 0 for the model's own");
        }
        if (!names.isEmpty() && namesFile != null) {
            s.error("class_names_file", "give class_names or class_names_file, not both");
        }
        OnnxOptions options = null;
        if (model != null) {
            Path modelPath = Path.of(model);
            if (common.enabled() && !Files.isReadable(modelPath)) {
                s.error("model", "file " + modelPath.toAbsolutePath().normalize() + " does not exist or cannot be read");
            }
            if (namesFile != null && names.isEmpty()) {
                names = namesFrom(s, Path.of(namesFile), common.enabled());
            }
            if (layout != null && providers != null && inputSize % 32 == 0) {
                options = new OnnxOptions(modelPath, names, inputSize, confidence, iou, maxDetections,
                        OnnxOptions.Layout.valueOf(layout.toUpperCase(Locale.ROOT)),
                        providers);
            }
        }
        String defaultModel = options == null ? "unknown" : options.model().getFileName().toString().replaceFirst("\\.onnx$", "");
        return new OnnxDetector(common.modelId(defaultModel), common.maxInFlightByRule(), common.timeout(), options);
    }

    /**
     * {@code providers: [tensorrt, cuda, cpu]}, in order of preference (default {@code [cpu]}); the
     * earlier {@code execution_provider: cuda} is read as {@code [cuda, cpu]}, as it fell back to the CPU.
     * Null when invalid (the error is recorded).
     */
    private static List<OnnxOptions.Provider> providers(Section s) {
        List<String> labels = OnnxOptions.DEFAULT_PROVIDERS.stream().map(OnnxOptions.Provider::label).toList();
        List<String> all = List.of(OnnxOptions.Provider.values()).stream().map(OnnxOptions.Provider::label).toList();
        if (s.has("execution_provider")) {
            String legacy = s.oneOf("execution_provider", "cpu", List.of("cpu", "cuda"));
            if (s.has("providers")) {
                s.error("execution_provider", "give providers (a list in order of preference), not both");
                return null;
            }
            return "cuda".equals(legacy) ? List.of(OnnxOptions.Provider.CUDA, OnnxOptions.Provider.CPU) : OnnxOptions.DEFAULT_PROVIDERS;
        }
        List<String> names = s.stringList("providers", labels);
        List<OnnxOptions.Provider> out = new java.util.ArrayList<>();
        for (String n : names) {
            if (!all.contains(n)) {
                s.error("providers", Echo.quote(n) + " is not one of " + String.join(", ", all));
                return null;
            }
            OnnxOptions.Provider p = OnnxOptions.Provider.valueOf(n.toUpperCase(Locale.ROOT));
            if (out.contains(p)) {
                s.error("providers", n + " is listed twice");
                return null;
            }
            out.add(p);
        }
        if (out.isEmpty()) {
            s.error("providers", "lists no execution provider; give one or more of " + String.join(", ", all) + ", such as [cuda, cpu]");
            return null;
        }
        return out;
    }

    private static List<String> namesFrom(Section s, Path f, boolean enabled) {
        try {
            List<String> names = Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            if (names.isEmpty()) {
                s.error("class_names_file", "file " + f.toAbsolutePath().normalize() + " has no class names (one a line)");
            }
            return names;
        } catch (IOException e) {
            if (enabled) {
                s.error("class_names_file", "file " + f.toAbsolutePath().normalize() + " cannot be read: " + e.getMessage());
            }
            return List.of();
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public InferenceAdapter create(String cameraId, DetectorContext context) {
        return context.onnx(options).adapter(modelId, options, context.workers());
    }
}
