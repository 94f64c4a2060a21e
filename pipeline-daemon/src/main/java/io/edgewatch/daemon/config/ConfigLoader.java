package io.edgewatch.daemon.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.edgewatch.sink.webhook.WebhookOptions;

/**
 * Reads a configuration folder: {@code edgewatch.yaml} and one YAML file per camera in its
 * cameras folder (default {@code cameras/}), each section by its own reader into typed options.
 * Every problem in every file is collected and reported at once, each with its file, line,
 * column and key. Relative paths in the files are resolved against the working directory the
 * daemon runs in.
 */
public final class ConfigLoader {

    public static final String MAIN_FILE = "edgewatch.yaml";
    public static final String DEFAULT_CAMERAS_DIR = "cameras";

    /** The largest configuration file read: 1 MiB, unless {@code EDGEWATCH_CONFIG_MAX_BYTES} says otherwise. */
    public static final int DEFAULT_MAX_FILE_BYTES = 1 << 20;
    public static final String MAX_FILE_BYTES_VARIABLE = "EDGEWATCH_CONFIG_MAX_BYTES";

    private final Map<String, String> env;
    private final Map<String, Set<String>> defaults = new LinkedHashMap<>();
    private final int maxFileBytes;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
        int max = DEFAULT_MAX_FILE_BYTES;
        try {
            String set = env.get(MAX_FILE_BYTES_VARIABLE);
            if (set != null && !set.isBlank()) {
                max = Math.max(1024, Integer.parseInt(set.trim()));
            }
        } catch (NumberFormatException e) {
            // an unreadable override keeps the default
        }
        this.maxFileBytes = max;
    }

    /** Loads with the process environment. */
    public static EdgewatchConfig load(Path directory) throws ConfigException {
        return new ConfigLoader(System.getenv()).read(directory);
    }

    /**
     * Every default the readers were given while reading, by full key ({@code storage.path},
     * {@code inference.confidence}, …): several when types differ (a Roboflow and an ONNX
     * {@code confidence}). What the README's tables must state.
     */
    public Map<String, Set<String>> defaultsRead() {
        return defaults;
    }

    public EdgewatchConfig read(Path directory) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            throw new ConfigException(List.of(new ConfigError(directory, 0, 0, "",
                    "configuration folder does not exist (expected " + MAIN_FILE + " and cameras/ in it)")));
        }
        Section main = parse(directory.resolve(MAIN_FILE), errors);
        EdgewatchConfig config = null;
        if (main != null) {
            String deviceId = main.string("device_id", null);
            StorageConfig storage = StorageConfig.read(main.section("storage"));
            InferencePool inference = InferencePool.read(main.section("inference"), main.section("onnxruntime"));
            JsonlConfig jsonl = JsonlConfig.read(main.section("sinks"));
            RoboflowOptions roboflow = RoboflowReader.read(main.section("roboflow"), deviceId);
            VisionEventsConfig visionEvents = VisionEventsReader.read(main.section("vision_events"), deviceId,
                    roboflow != null ? roboflow.apiUrl() : null);
            Map<String, BrokerDestination> brokers = BrokerReader.read(main, deviceId);
            HealthConfig health = HealthConfig.read(main.section("health"));
            Section alertsSection = main.section("alerts");
            WebhookOptions webhook = AlertsReader.webhook(alertsSection.section("webhook"));
            AlertOptions alerts = AlertsReader.read(alertsSection, AlertOptions.DEFAULTS);
            String camerasDir = main.string("cameras_dir", DEFAULT_CAMERAS_DIR);
            Section logging = main.section("logging");
            String logFormat = logging.oneOf("format", EdgewatchConfig.DEFAULT_LOG_FORMAT, List.of("text", "json"));
            logging.rejectUnknownKeys();
            main.rejectUnknownKeys();
            List<String> sinkNames = new ArrayList<>();
            if (jsonl != null) {
                sinkNames.add("jsonl");
            }
            if (roboflow != null) {
                sinkNames.add("roboflow");
            }
            if (visionEvents != null) {
                sinkNames.add("vision_events");
            }
            sinkNames.addAll(brokers.keySet());
            List<CameraConfig> cameras = cameras(directory.resolve(camerasDir), main, sinkNames, inference.workers(), alerts,
                    visionEvents, errors);
            config = new EdgewatchConfig(directory, deviceId, storage, inference, jsonl, roboflow, visionEvents, health, webhook,
                    alerts.sustain(),
                    cameras, logFormat == null ? EdgewatchConfig.DEFAULT_LOG_FORMAT : logFormat, directory.resolve(camerasDir),
                    brokers);
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
        try {
            long size = Files.size(file);
            if (size > maxFileBytes) {
                errors.add(new ConfigError(file, 0, 0, "", "file is " + size + " bytes; a configuration file may have at most "
                        + maxFileBytes + " (" + MAX_FILE_BYTES_VARIABLE + " raises the limit)"));
                return null;
            }
        } catch (IOException e) {
            errors.add(new ConfigError(file, 0, 0, "", "cannot be read: " + e.getMessage()));
            return null;
        }
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return Section.root(errors, file, YamlReader.read(in, maxFileBytes), env, defaults);
        } catch (YamlReader.SyntaxError e) {
            errors.add(new ConfigError(file, e.line, e.column, "", e.getMessage()));
        } catch (IOException e) {
            errors.add(new ConfigError(file, 0, 0, "", "cannot be read: " + e.getMessage()));
        }
        return null;
    }

    private List<CameraConfig> cameras(Path folder, Section main, List<String> sinkNames, int workers, AlertOptions alerts,
                                       VisionEventsConfig visionEvents, List<ConfigError> errors) {
        if (!Files.isDirectory(folder)) {
            int[] pos = main.position("cameras_dir");
            errors.add(new ConfigError(main.file(), pos[0], pos[1], "cameras_dir", "camera folder " + folder + " does not exist"));
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
            CameraConfig c = CameraConfig.read(s, sinkNames, workers, alerts, visionEvents);
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
}
