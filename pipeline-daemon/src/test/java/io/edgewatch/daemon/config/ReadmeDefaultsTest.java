package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's configuration tables state the defaults the readers use: every default a reader is
 * given (recorded as it reads a configuration with every source and detector type) is the one the
 * README writes for its key, every key read is in a table, and no table states a default the code
 * does not have. Defaults the README writes in words ("number of cores", "OpenCV's") are not compared.
 */
class ReadmeDefaultsTest {

    private static final Pattern ROW = Pattern.compile("^\\|([^|]+)\\|([^|]+)\\|");
    private static final Pattern LITERAL = Pattern.compile("^`([^`]*)`(?: \\(.*\\))?$");
    private static final Pattern TICKED = Pattern.compile("`([^`]+)`");
    private static final Set<String> CAMERA_TOP_LEVEL = Set.of("id", "enabled", "metadata", "sinks");

    @TempDir
    Path dir;

    /** The defaults each table row states, by full key; an empty set where it states them in words. */
    private static Map<String, Set<String>> readmeDefaults() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        Map<String, Set<String>> out = new LinkedHashMap<>();
        String table = null;
        for (String line : lines) {
            if (line.startsWith("### ")) {
                table = line.contains("edgewatch.yaml") ? "main" : line.contains("camera file") ? "camera" : null;
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (table == null || !row.find() || row.group(1).contains("---") || row.group(1).trim().equals("key")) {
                continue;
            }
            List<String> keys = new ArrayList<>();
            Matcher k = TICKED.matcher(row.group(1));
            while (k.find()) {
                keys.add(k.group(1));
            }
            String cell = row.group(2).trim();
            List<String> values = keys.size() == 1 ? List.of(cell) : List.of(cell.split(",\\s*"));
            String prefix = keys.get(0).contains(".") ? keys.get(0).substring(0, keys.get(0).lastIndexOf('.') + 1)
                    : table.equals("camera") && !CAMERA_TOP_LEVEL.contains(keys.get(0)) ? "inference." : "";
            for (int i = 0; i < keys.size(); i++) {
                String key = keys.get(i).contains(".") ? keys.get(i) : prefix + keys.get(i);
                Set<String> stated = out.computeIfAbsent(key, x -> new LinkedHashSet<>());
                if (i < values.size()) {
                    Matcher literal = LITERAL.matcher(values.get(i).trim());
                    if (literal.matches()) {
                        stated.add(normal(literal.group(1)));
                    }
                }
            }
        }
        return out;
    }

    /** Numbers as numbers, durations as durations ({@code 60s} is {@code 1m}), the rest as written. */
    private static String normal(String v) {
        // before a number: Java reads "1d" as the double 1.0
        if (v.matches("\\d+(ms|s|m|h|d)")) {
            return "duration " + Durations.parse(v).toMillis() + " ms";
        }
        try {
            return "number " + Double.parseDouble(v);
        } catch (NumberFormatException e) {
            try {
                return "duration " + Durations.parse(v).toMillis() + " ms";
            } catch (IllegalArgumentException notOne) {
                return v;
            }
        }
    }

    /** A configuration that reads every key with a default: each source and each detector type once. */
    private Map<String, Set<String>> codeDefaults() throws Exception {
        Files.createDirectories(dir.resolve("cameras"));
        Files.writeString(dir.resolve("edgewatch.yaml"), "sinks:\n  jsonl: {}\nmqtt:\n  url: tcp://127.0.0.1:1883\n"
                + "kafka:\n  bootstrap_servers: 127.0.0.1:9092\n  topic: t\n");
        String[][] cameras = {
                {"file", "path: a.mp4", "hog", ""},
                {"test_pattern", "", "motion", ""},
                {"rtsp", "url: rtsp://127.0.0.1/x", "cascade", "cascade: haarcascade_fullbody.xml"},
                {"usb", "", "roboflow", "model_id: people/1"},
                {"http", "url: http://127.0.0.1/x", "onnx", "model: m.onnx"},
                {"test_pattern", "", "none", ""},
        };
        for (int i = 0; i < cameras.length; i++) {
            String[] c = cameras[i];
            Files.writeString(dir.resolve("cameras/c" + i + ".yaml"), "id: c" + i + "\nenabled: false\nsource:\n  type: " + c[0]
                    + "\n" + (c[1].isEmpty() ? "" : "  " + c[1] + "\n") + "inference:\n  type: " + c[2] + "\n"
                    + (c[3].isEmpty() ? "" : "  " + c[3] + "\n"));
        }
        // samples, with a strategy of each type, on the first camera
        Files.writeString(dir.resolve("cameras/c0.yaml"), Files.readString(dir.resolve("cameras/c0.yaml")) + """
                samples:
                  strategies:
                    - {name: a, type: random}
                    - {name: b, type: close_to_threshold, threshold: 0.5, epsilon: 0.1}
                    - {name: c, type: detections_number, more_than: 1}
                    - {name: d, type: classes, classes: [x]}
                    - {name: e, type: while_alert}
                    - {name: f, type: unseen_class}
                  roboflow: {}
                tracking: {}
                zones:
                  - {name: z, polygon: [[0, 0], [1, 0], [1, 1]]}
                lines:
                  - {name: l, from: [0, 0], to: [1, 1]}
                """);
        ConfigLoader loader = new ConfigLoader(Map.of());
        loader.read(dir);
        Map<String, Set<String>> out = new LinkedHashMap<>();
        loader.defaultsRead().forEach((key, values) -> values.forEach(v -> out.computeIfAbsent(key, x -> new TreeSet<>()).add(normal(v))));
        return out;
    }

    @Test
    void theReadmeTablesStateTheDefaultsTheReadersUse() throws Exception {
        Map<String, Set<String>> readme = readmeDefaults();
        Map<String, Set<String>> code = codeDefaults();
        assertThat(code).as("defaults recorded while reading").containsKeys("storage.path", "source.reconnect.watchdog",
                "inference.confidence", "alerts.sustain");
        assertThat(readme.keySet()).as("every key a reader has a default for is in a README table").containsAll(code.keySet());
        List<String> wrong = new ArrayList<>();
        readme.forEach((key, stated) -> {
            if (!stated.isEmpty() && !new TreeSet<>(stated).equals(code.getOrDefault(key, Set.of()))) {
                wrong.add(key + ": README " + stated + ", code " + code.getOrDefault(key, Set.of()));
            }
        });
        assertThat(wrong).as("README defaults that differ from the code's").isEmpty();
    }
}
