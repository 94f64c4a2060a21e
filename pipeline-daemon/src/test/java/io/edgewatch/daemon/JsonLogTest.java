package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.testkit.DaemonProcess;

/**
 * {@code logging.format: json}: the daemon, as a child process, with a test pattern and an RTSP
 * camera whose password is planted and whose port is closed, writes one JSON object a line, its
 * own lines and FFmpeg's, each with its level, logger and message, the camera a field of its own,
 * and the password nowhere.
 */
class JsonLogTest {

    static final String PASSWORD = "Json-Log-Secret-4711";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyLineIsAJsonObjectWithLevelLoggerCameraAndARedactedMessage() throws Exception {
        int closed = ConfigFolder.freePort();
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                health:
                  port: 0
                logging:
                  format: json
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl")));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), ConfigFolder.PATTERN_CAMERA);
        Files.writeString(cfg.resolve("cameras/door.yaml"), """
                id: door
                source:
                  type: rtsp
                  url: rtsp://viewer:%s@127.0.0.1:%d/stream1
                  timeout: 1s
                  reconnect: {min_delay: 200ms, max_delay: 1s}
                inference:
                  type: none
                """.formatted(PASSWORD, closed));
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of());
        try {
            Thread.sleep(8000);
        } finally {
            daemon.destroy();
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
            daemon.destroyForcibly();
        }
        String text = Files.readString(log);
        assertThat(text).doesNotContain(PASSWORD);
        // the first lines (before the file is read) are text: from then on, every line is JSON
        List<String> lines = text.lines().dropWhile(l -> !l.startsWith("{")).toList();
        assertThat(lines).hasSizeGreaterThan(5);
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            JsonNode e = JSON.readTree(line);
            assertThat(e.path("level").asText()).as(line).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
            assertThat(e.path("logger_name").asText()).as(line).isNotEmpty();
            assertThat(e.path("message").asText()).as(line).isNotEmpty();
            events.add(e);
        }
        assertThat(events).as("a window of the pattern camera, with its camera field")
                .anyMatch(e -> e.path("camera").asText().equals("pattern") && e.path("message").asText().contains(" window "));
        assertThat(events).as("FFmpeg's own line about the closed port, named with its camera")
                .anyMatch(e -> e.path("logger_name").asText().equals("ffmpeg") && e.path("camera").asText().equals("door"));
        assertThat(events).as("the source's line about the closed port, its password masked")
                .anyMatch(e -> e.path("camera").asText().equals("door") && e.path("message").asText().contains("rtsp://***@127.0.0.1"));
    }
}
