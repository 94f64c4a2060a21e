package io.edgewatch.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.assertj.core.api.Assertions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A configuration folder for end-to-end tests, in a test's temporary folder: {@code edgewatch.yaml}
 * with two inference workers, the health endpoint on any free port, storage in {@code var} and a
 * JSONL sink in {@code out/reports.jsonl}, and one camera file.
 */
final class ConfigFolder {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A camera file: a small test pattern under motion detection, a window a second. */
    static final String PATTERN_CAMERA = """
            id: pattern
            source:
              type: test_pattern
              size: 160x120
            inference:
              type: motion
            aggregation:
              frequency: 1
            """;

    private ConfigFolder() {
    }

    /** Writes {@code dir/config}; {@code inferenceExtra} are more lines of the {@code inference:} section, indented. */
    static Path write(Path dir, String inferenceExtra, String camera) throws Exception {
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                device_id: test-box
                inference:
                  workers: 2
                %shealth:
                  port: 0
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                """.formatted(inferenceExtra, dir.resolve("var"), dir.resolve("out/reports.jsonl")));
        Files.writeString(cfg.resolve("cameras/cam.yaml"), camera);
        return cfg;
    }

    /** A port nothing listens on now: for an endpoint the test must know in advance, or a camera that cannot connect. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The JSONL reports the run wrote, in order. */
    static List<JsonNode> reports(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("out/reports.jsonl"))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    /**
     * A file of {@code ../shared/fixtures}, from the folder in the system property
     * {@code edgewatch.fixtures} (Maven sets it; override with {@code -Dedgewatch.fixtures=DIR}).
     */
    static Path fixture(String name) {
        Path file = Path.of(System.getProperty("edgewatch.fixtures", "../../shared/fixtures"), name).toAbsolutePath().normalize();
        Assertions.assertThat(file)
                .as("fixture missing: run with -Dedgewatch.fixtures=DIR pointing at ../shared/fixtures").isReadable();
        return file;
    }

    /** {@code edgewatch ARGS} in this JVM; its standard error goes to {@code err}. */
    static int run(StringWriter err, String... args) {
        return Edgewatch.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    }
}
