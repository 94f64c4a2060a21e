package io.edgewatch.daemon.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.edgewatch.core.inference.ModelType;
import io.edgewatch.inference.opencv.CascadeOptions;
import io.edgewatch.inference.opencv.HogOptions;
import io.edgewatch.inference.opencv.MotionOptions;
import io.edgewatch.inference.onnx.OnnxOptions;
import io.edgewatch.inference.server.InferenceServerOptions;
import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.edgewatch.sink.webhook.WebhookOptions;
import io.edgewatch.source.Reconnect;

/**
 * Reads a configuration folder: {@code edgewatch.yaml} and one YAML file per camera in its
 * cameras folder (default {@code cameras/}). Every problem in every file is collected and reported
 * at once, each with its file, line, column and key. Relative paths in the files are resolved
 * against the working directory the daemon runs in.
 */
public final class ConfigLoader {

    public static final String MAIN_FILE = "edgewatch.yaml";
    private static final Pattern CAMERA_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");
    private static final List<String> SINK_NAMES = List.of("jsonl", "roboflow");

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** Loads with the process environment. */
    public static EdgewatchConfig load(Path directory) throws ConfigException {
        return new ConfigLoader(System.getenv()).read(directory);
    }

    public EdgewatchConfig read(Path directory) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        Path mainFile = directory.resolve(MAIN_FILE);
        if (!Files.isDirectory(directory)) {
            throw new ConfigException(List.of(new ConfigError(directory, 0, 0, "",
                    "configuration folder does not exist (expected " + MAIN_FILE + " and cameras/ in it)")));
        }
        Section main = parse(mainFile, errors);
        EdgewatchConfig config = null;
        if (main != null) {
            String deviceId = main.string("device_id", null);
            Section storageSection = main.section("storage");
            Path storage = Path.of(storageSection.string("path", "var"));
            long outboxMax = storageSection.integer("outbox_max_entries", 100_000, 10, 100_000_000);
            java.time.Duration healthHistory = storageSection.duration("health_history", java.time.Duration.ofDays(30),
                    java.time.Duration.ofHours(1));
            storageSection.rejectUnknownKeys();
            Section inference = main.section("inference");
            int cores = Runtime.getRuntime().availableProcessors();
            int workers = inference.integer("workers", cores, 1, 256);
            int opencvThreads = inference.integer("opencv_threads", 1, 0, 256);
            int serverMaxInFlight = inference.integer("server_max_in_flight", 16, 1, 1024);
            int onnxThreads = inference.integer("onnx_threads", 1, 0, 256);
            inference.rejectUnknownKeys();
            Section sinks = main.section("sinks");
            EdgewatchConfig.JsonlConfig jsonl = null;
            Section jsonlSection = sinks.section("jsonl");
            if (jsonlSection.bool("enabled", true) && sinks.has("jsonl")) {
                jsonl = new EdgewatchConfig.JsonlConfig(Path.of(jsonlSection.string("path", "out/reports.jsonl")));
            }
            jsonlSection.rejectUnknownKeys();
            sinks.rejectUnknownKeys();
            RoboflowOptions roboflow = roboflow(main.section("roboflow"), deviceId);
            EdgewatchConfig.HealthConfig health = health(main.section("health"));
            Section alertsSection = main.section("alerts");
            WebhookOptions webhook = webhook(alertsSection.section("webhook"));
            AlertSettings alerts = alerts(alertsSection, AlertSettings.DEFAULTS);
            String camerasDir = main.string("cameras_dir", "cameras");
            main.rejectUnknownKeys();
            List<String> sinkNames = new ArrayList<>();
            if (jsonl != null) {
                sinkNames.add("jsonl");
            }
            if (roboflow != null) {
                sinkNames.add("roboflow");
            }
            List<CameraConfig> cameras = cameras(directory.resolve(camerasDir), main, sinkNames, workers, alerts, errors);
            config = new EdgewatchConfig(directory, deviceId, storage, workers, opencvThreads, serverMaxInFlight, onnxThreads,
                    outboxMax, healthHistory, jsonl, roboflow, health, webhook, alerts.sustain(),
                    cameras);
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return config;
    }

    private Section parse(Path file, List<ConfigError> errors) {
        if (!Files.isRegularFile(file)) {
            errors.add(new ConfigError(file, 0, 0, "", "file does not exist"));
            return null;
        }
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return Section.root(errors, file, YamlReader.read(in), env);
        } catch (YamlReader.SyntaxError e) {
            errors.add(new ConfigError(file, e.line, e.column, "", e.getMessage()));
        } catch (IOException e) {
            errors.add(new ConfigError(file, 0, 0, "", "cannot be read: " + e.getMessage()));
        }
        return null;
    }

    /** An {@code alerts} section over {@code d}: the daemon's defaults, or a camera's overrides of them. */
    private static AlertSettings alerts(Section s, AlertSettings d) {
        AlertSettings a = new AlertSettings(s.bool("enabled", d.enabled()),
                s.duration("baseline_period", d.baselinePeriod(), Duration.ofSeconds(1)),
                s.number("confidence_drop", d.confidenceDrop(), 0, 1), s.number("psi_limit", d.psiLimit(), 0, 100),
                s.integer("recent_windows", d.recentWindows(), 1, 100_000), s.number("latency_factor", d.latencyFactor(), 1, 1000),
                s.number("throughput_drop", d.throughputDrop(), 0, 1), s.number("error_rate", d.errorRate(), 0, 1),
                s.duration("sustain", d.sustain(), Duration.ZERO), s.duration("source_down", d.sourceDown(), Duration.ZERO),
                s.number("malformed_rate", d.malformedRate(), 0, 1),
                localTime(s, "baseline_from", d.baselineFrom()), localTime(s, "baseline_to", d.baselineTo()));
        boolean oneSided = (a.baselineFrom() == null) != (a.baselineTo() == null);
        if (oneSided) {
            s.error(a.baselineFrom() == null ? "baseline_from" : "baseline_to",
                    "baseline_from and baseline_to pin the baseline together: set both, or neither to learn it");
        } else if (a.baselineFrom() != null && !a.baselineFrom().isBefore(a.baselineTo())) {
            s.error("baseline_to", "must be after baseline_from (" + a.baselineFrom().format(io.edgewatch.health.InferenceStats.TIME) + ")");
        }
        if (oneSided || a.baselineFrom() != null && !a.baselineFrom().isBefore(a.baselineTo())) {
            // the error is recorded; what goes on being checked must not break on it
            a = new AlertSettings(a.enabled(), a.baselinePeriod(), a.confidenceDrop(), a.psiLimit(), a.recentWindows(),
                    a.latencyFactor(), a.throughputDrop(), a.errorRate(), a.sustain(), a.sourceDown(), a.malformedRate(), null, null);
        }
        s.rejectUnknownKeys();
        return a;
    }

    /** A local time written {@code YYYY-MM-DD HH:mm:ss} (as the statistics endpoint takes them), or {@code def}. */
    private static java.time.LocalDateTime localTime(Section s, String key, java.time.LocalDateTime def) {
        String t = s.string(key, null);
        if (t == null || t.isBlank()) {
            return def;
        }
        try {
            return java.time.LocalDateTime.parse(t.trim(), io.edgewatch.health.InferenceStats.TIME);
        } catch (java.time.DateTimeException e) {
            s.error(key, "'" + t + "' is not a local time of the form YYYY-MM-DD HH:mm:ss, such as 2026-11-20 08:00:00");
            return def;
        }
    }

    /** True when {@code url} is an http(s) URL with a host; else records an error on {@code key} and says false. */
    private static boolean httpUrl(Section s, String key, String url, String example) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            u = null;
        }
        if (u == null || u.getScheme() == null || !u.getScheme().matches("https?") || u.getHost() == null) {
            s.error(key, "'" + url + "' is not an http(s) URL (such as " + example + ")");
            return false;
        }
        return true;
    }

    /** {@code alerts.webhook}; null when it has no URL. */
    private static WebhookOptions webhook(Section s) {
        String url = s.string("url", "");
        String token = s.string("token", "");
        Duration timeout = s.duration("timeout", WebhookOptions.DEFAULT_TIMEOUT, Duration.ofMillis(100));
        s.rejectUnknownKeys();
        if (url.isEmpty()) {
            return null;
        }
        if (!httpUrl(s, "url", url, "https://hooks.example.com/edgewatch")) {
            return null;
        }
        return new WebhookOptions(url, token.isEmpty() ? null : token, timeout);
    }

    /** The {@code health} section; null when disabled. */
    private static EdgewatchConfig.HealthConfig health(Section s) {
        boolean enabled = s.bool("enabled", true);
        String host = s.string("host", "127.0.0.1");
        int port = s.integer("port", 8787, 0, 65535);
        String token = s.string("token", "");
        s.rejectUnknownKeys();
        if (token.isEmpty()) {
            token = null;
        }
        if (enabled && token == null && !io.edgewatch.health.HealthServer.loopback(host)) {
            s.error("token", "required when health.host (" + host + ") is not a loopback address: "
                    + "set it from the environment, such as token: ${EDGEWATCH_HEALTH_TOKEN}");
        }
        return enabled ? new EdgewatchConfig.HealthConfig(host, port, token) : null;
    }

    /** The {@code roboflow} section; null (reporting off) when it has no API key. */
    private static RoboflowOptions roboflow(Section s, String deviceId) {
        String key = s.string("api_key", null);
        String url = s.string("api_url", RoboflowOptions.DEFAULT_API_URL);
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            s.error("api_url", "expected an http:// or https:// URL, found '" + url + "'");
        }
        String workspace = s.string("workspace", null);
        if (workspace != null && !workspace.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
            s.error("workspace", "'" + workspace + "' is not a workspace slug (letters, digits, '_', '-')");
        }
        String source = s.string("source", RoboflowOptions.DEFAULT_SOURCE);
        String sourceInfo = s.string("source_info", RoboflowOptions.DEFAULT_SOURCE_INFO);
        boolean fireAndForget = s.bool("fire_and_forget", true);
        Duration timeout = s.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(100));
        Duration retryMax = s.duration("retry_max", Duration.ofSeconds(60), Duration.ofMillis(100));
        Duration probe = s.duration("probe_interval", Duration.ofSeconds(60), Duration.ofMillis(100));
        s.rejectUnknownKeys();
        if (key == null) {
            return null;
        }
        return RoboflowOptions.of(key, url, workspace, deviceId)
                .withRetry(Duration.ofMillis(Math.min(500, retryMax.toMillis())), retryMax, probe)
                .withResponseTimeout(timeout)
                .withFireAndForget(fireAndForget)
                .withSource(source, sourceInfo);
    }

    private List<CameraConfig> cameras(Path folder, Section main, List<String> sinkNames, int workers, AlertSettings alerts,
                                       List<ConfigError> errors) {
        if (!Files.isDirectory(folder)) {
            int[] pos = main.position("cameras_dir");
            errors.add(new ConfigError(main.file(), pos[0], pos[1], "cameras_dir",
                    "camera folder " + folder + " does not exist"));
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".yaml") || p.getFileName().toString().endsWith(".yml"))
                    .sorted().toList();
        } catch (IOException e) {
            errors.add(new ConfigError(folder, 0, 0, "", "cannot be listed: " + e.getMessage()));
            return List.of();
        }
        List<CameraConfig> cameras = new ArrayList<>();
        Map<String, Path> ids = new HashMap<>();
        for (Path file : files) {
            Section s = parse(file, errors);
            if (s == null) {
                continue;
            }
            CameraConfig c = camera(s, sinkNames, workers, alerts);
            if (c.id() != null) {
                Path first = ids.putIfAbsent(c.id(), file);
                if (first != null) {
                    s.error("id", "camera id '" + c.id() + "' is already used by " + first);
                }
            }
            cameras.add(c);
        }
        return cameras;
    }

    private CameraConfig camera(Section s, List<String> sinkNames, int workers, AlertSettings alertDefaults) {
        String id = s.requiredString("id");
        if (id != null && !CAMERA_ID.matcher(id).matches()) {
            s.error("id", "'" + id + "' is not a valid camera id (letters, digits, '_', '-', '.', at most 64, starting with a letter or digit)");
        }
        boolean enabled = s.bool("enabled", true);
        Reconnect[] reconnect = {Reconnect.DEFAULTS};
        SourceConfig source = source(s.section("source"), enabled, reconnect);
        InferenceConfig inference = inference(s.section("inference"), workers, enabled);
        Section aggregation = s.section("aggregation");
        int frequency = aggregation.integer("frequency", 5, 1, 86_400);
        aggregation.rejectUnknownKeys();
        AlertSettings alerts = alerts(s.section("alerts"), alertDefaults);
        Map<String, String> metadata = s.stringMap("metadata");
        List<String> sinks = s.stringList("sinks", sinkNames);
        for (String sink : sinks) {
            if (!SINK_NAMES.contains(sink)) {
                s.error("sinks", "unknown sink '" + sink + "'; sinks: " + String.join(", ", SINK_NAMES));
            }
        }
        // a sink that is not configured (roboflow with no API key) is skipped, not an error
        sinks = sinks.stream().filter(sinkNames::contains).toList();
        s.rejectUnknownKeys();
        return new CameraConfig(s.file(), id, enabled, source, inference, Duration.ofSeconds(frequency), metadata, sinks,
                reconnect[0], alerts.options(Duration.ofSeconds(frequency)));
    }

    private SourceConfig source(Section s, boolean enabled, Reconnect[] reconnect) {
        String type = s.oneOf("type", null, List.of("file", "test_pattern", "rtsp", "usb", "http"));
        double maxFps = s.number("max_fps", 0, 0, 1000);
        if (type != null && !type.equals("file")) {
            Section r = s.section("reconnect");
            Reconnect d = Reconnect.DEFAULTS;
            Duration min = r.duration("min_delay", d.minDelay(), Duration.ofMillis(10));
            Duration max = r.duration("max_delay", d.maxDelay(), Duration.ofMillis(10));
            if (max.compareTo(min) < 0) {
                r.error("max_delay", "must not be shorter than min_delay (" + Durations.format(min) + ")");
                max = min;
            }
            reconnect[0] = new Reconnect(min, max, r.duration("healthy_after", d.healthyAfter(), Duration.ofSeconds(1)),
                    r.duration("watchdog", d.watchdog(), Duration.ofMillis(100)),
                    r.duration("connect_timeout", d.connectTimeout(), Duration.ofMillis(100)));
            r.rejectUnknownKeys();
        }
        SourceConfig result = null;
        if (type != null) {
            switch (type) {
                case "file" -> {
                    String path = s.requiredString("path");
                    if (path != null && enabled && !Files.isReadable(Path.of(path))) {
                        s.error("path", "file " + Path.of(path).toAbsolutePath().normalize() + " does not exist or cannot be read");
                    }
                    result = new SourceConfig.File(path == null ? null : Path.of(path), s.bool("loop", false), maxFps);
                }
                case "test_pattern" -> {
                    String pattern = s.string("pattern", "testsrc2");
                    if (!pattern.matches("[a-z0-9_]+")) {
                        s.error("pattern", "'" + pattern + "' is not an FFmpeg source filter name (such as testsrc2, smptebars, mandelbrot)");
                    }
                    int[] size = size(s, "size", "640x480");
                    double rate = s.number("rate", 25, 0.1, 240);
                    result = new SourceConfig.TestPattern(pattern, size[0], size[1], rate, maxFps);
                }
                case "rtsp" -> {
                    String url = s.requiredString("url");
                    if (url != null && !url.startsWith("rtsp://") && !url.startsWith("rtsps://")) {
                        s.error("url", "expected an rtsp:// or rtsps:// URL");
                    }
                    result = new SourceConfig.Rtsp(url, s.oneOf("transport", "tcp", List.of("tcp", "udp")),
                            s.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(100)), maxFps);
                }
                case "usb" -> {
                    String device = s.string("device", "/dev/video0");
                    String inputFormat = s.string("input_format", null);
                    String size = null;
                    if (s.has("size")) {
                        int[] wh = size(s, "size", null);
                        size = wh == null ? null : wh[0] + "x" + wh[1];
                    }
                    Double fps = s.has("fps") ? s.number("fps", 0, 0.1, 1000) : null;
                    result = new SourceConfig.Usb(device, inputFormat, size, fps, maxFps);
                }
                case "http" -> {
                    String url = s.requiredString("url");
                    if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
                        s.error("url", "expected an http:// or https:// URL");
                    }
                    result = new SourceConfig.Http(url, s.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(100)), maxFps);
                }
                default -> throw new IllegalStateException(type);
            }
        }
        s.rejectUnknownKeys();
        return result;
    }

    private static int[] size(Section s, String key, String def) {
        String text = s.string(key, def);
        if (text == null) {
            return null;
        }
        var m = SIZE.matcher(text);
        if (!m.matches() || Integer.parseInt(m.group(1)) < 16 || Integer.parseInt(m.group(2)) < 16) {
            s.error(key, "expected WIDTHxHEIGHT such as 640x480 (each at least 16), found '" + text + "'");
            return new int[] {640, 480};
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    private static InferenceConfig inference(Section s, int workers, boolean enabled) {
        String type = s.oneOf("type", null, List.of("roboflow", "onnx", "motion", "hog", "cascade", "none"));
        Duration timeout = s.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(10));
        HogOptions hog = null;
        CascadeOptions cascade = null;
        MotionOptions motion = null;
        InferenceServerOptions server = null;
        OnnxOptions onnx = null;
        String defaultModel = "none";
        int defaultInFlight = workers;
        if (type != null) {
            switch (type) {
                case "hog" -> {
                    HogOptions d = HogOptions.DEFAULTS;
                    hog = new HogOptions(s.number("hit_threshold", d.hitThreshold(), -10, 10),
                            s.integer("win_stride", d.winStride(), 0, 256), s.number("scale", d.scale(), 1.001, 4),
                            s.integer("group_threshold", d.groupThreshold(), 0, 100));
                    defaultModel = "opencv-hog-people";
                }
                case "cascade" -> {
                    String file = s.requiredString("cascade");
                    String className = s.string("class", "object");
                    cascade = new CascadeOptions(file, className, s.number("scale_factor", 1.1, 1.001, 4),
                            s.integer("min_neighbors", 3, 0, 100), s.integer("min_size", 0, 0, 10_000));
                    defaultModel = "opencv-cascade-" + (file == null ? "unknown"
                            : Path.of(file).getFileName().toString().replaceFirst("\\.xml$", ""));
                }
                case "motion" -> {
                    MotionOptions d = MotionOptions.DEFAULTS;
                    motion = new MotionOptions(s.integer("history", d.history(), 1, 100_000),
                            s.number("var_threshold", d.varThreshold(), 1, 10_000),
                            s.integer("min_area", d.minArea(), 1, 100_000_000),
                            s.integer("warmup_frames", d.warmupFrames(), 0, 100_000));
                    defaultModel = "opencv-motion";
                    // the background model must see frames in order, one at a time
                    defaultInFlight = 1;
                }
                case "roboflow" -> {
                    server = server(s);
                    defaultModel = server == null ? "unknown" : server.modelId();
                    // the server batches and pipelines: keep a few frames on their way
                    defaultInFlight = 4;
                }
                case "onnx" -> {
                    onnx = onnx(s, enabled);
                    defaultModel = onnx == null ? "unknown" : onnx.model().getFileName().toString().replaceFirst("\\.onnx$", "");
                }
                default -> defaultModel = "none";
            }
        }
        int maxInFlight = s.integer("max_in_flight", defaultInFlight, 1, 256);
        if ("motion".equals(type) && maxInFlight != 1) {
            s.error("max_in_flight", "the motion detector learns from frames in order: it runs one frame at a time (1)");
        }
        String modelId = s.string("model_id", defaultModel);
        s.rejectUnknownKeys();
        return new InferenceConfig(type, modelId, maxInFlight, timeout, hog, cascade, motion, server, onnx);
    }

    private static final List<String> TASKS = java.util.Arrays.stream(ModelType.values()).map(ModelType::wireName).toList();

    /** {@code type: roboflow}: a model on a Roboflow Inference Server. */
    private static InferenceServerOptions server(Section s) {
        String url = s.string("url", InferenceServerOptions.DEFAULT_URL);
        String apiKey = s.string("api_key", "");
        String modelId = s.requiredString("model_id");
        String task = s.oneOf("task", "object-detection", TASKS);
        double confidence = s.number("confidence", 0.4, 0, 1);
        double iou = s.number("iou_threshold", 0.3, 0, 1);
        int maxDetections = s.integer("max_detections", 300, 1, 100_000);
        List<String> classFilter = s.stringList("class_filter", List.of());
        int quality = s.integer("jpeg_quality", 85, 1, 100);
        boolean disableMonitoring = s.bool("disable_model_monitoring", true);
        boolean legacy = s.bool("legacy_route", false);
        boolean valid = modelId != null && task != null;
        if (modelId != null && !modelId.matches("[^/\\s]+/[^/\\s]+")) {
            s.error("model_id", "'" + modelId + "' is not a Roboflow model id (project/version, such as people-detection/3)");
            valid = false;
        }
        if (!httpUrl(s, "url", url, InferenceServerOptions.DEFAULT_URL)) {
            valid = false;
        }
        if (legacy && task != null && !task.equals(ModelType.OBJECT_DETECTION.wireName())) {
            s.error("legacy_route", "the legacy /{project}/{version} route serves object detection only, not " + task);
            valid = false;
        }
        if (!valid) {
            return null;
        }
        ModelType type = ModelType.fromWireName(task);
        return new InferenceServerOptions(url, apiKey, modelId, type, confidence, iou, maxDetections, classFilter, quality,
                disableMonitoring, legacy);
    }

    /** {@code type: onnx}: an exported YOLO-family model run in-process. */
    private static OnnxOptions onnx(Section s, boolean enabled) {
        String model = s.requiredString("model");
        List<String> names = s.stringList("class_names", List.of());
        String namesFile = s.string("class_names_file", null);
        int inputSize = s.integer("input_size", 0, 0, 8192);
        double confidence = s.number("confidence", 0.25, 0, 1);
        double iou = s.number("iou_threshold", 0.45, 0, 1);
        int maxDetections = s.integer("max_detections", 300, 1, 100_000);
        String layout = s.oneOf("layout", "auto", List.of("auto", "yolov5", "yolov8"));
        String provider = s.oneOf("execution_provider", "cpu", List.of("cpu", "cuda"));
        if (inputSize % 32 != 0) {
            s.error("input_size", "must be a multiple of 32 (such as 640), or 0 for the model's own");
        }
        if (!names.isEmpty() && namesFile != null) {
            s.error("class_names_file", "give class_names or class_names_file, not both");
        }
        if (model == null) {
            return null;
        }
        Path modelPath = Path.of(model);
        if (enabled && !Files.isReadable(modelPath)) {
            s.error("model", "file " + modelPath.toAbsolutePath().normalize() + " does not exist or cannot be read");
        }
        if (namesFile != null && names.isEmpty()) {
            Path f = Path.of(namesFile);
            try {
                names = Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
                if (names.isEmpty()) {
                    s.error("class_names_file", "file " + f.toAbsolutePath().normalize() + " has no class names (one a line)");
                }
            } catch (IOException e) {
                if (enabled) {
                    s.error("class_names_file", "file " + f.toAbsolutePath().normalize() + " cannot be read: " + e.getMessage());
                }
            }
        }
        if (layout == null || provider == null || inputSize % 32 != 0) {
            return null;
        }
        return new OnnxOptions(modelPath, names, inputSize, confidence, iou, maxDetections,
                OnnxOptions.Layout.valueOf(layout.toUpperCase(java.util.Locale.ROOT)),
                OnnxOptions.Provider.valueOf(provider.toUpperCase(java.util.Locale.ROOT)));
    }
}
