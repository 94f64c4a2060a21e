package io.edgewatch.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.clock.ClockFloor;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class JsonlSinkTest {

    @TempDir
    Path dir;

    private static WindowReport report(String cam, int i) {
        return new WindowReport(cam, "m/1", "object-detection", Instant.parse("2026-11-23T10:00:00Z").plusSeconds(5L * i),
                Instant.parse("2026-11-23T10:00:05Z").plusSeconds(5L * i), 50, 48, 2, 0, Map.of("rate_limit", 2L), Map.of(),
                List.of(new ClassResult("m/1", "person", 0.91, "id-" + i, "object-detection")),
                List.of(new ClassStats("person", 7, 5, 0.5, 0.7, 0.91)),
                new LatencyStats(48, 12.5, 12, 20, 25, 30), new LatencyStats(48, 14.5, 14, 22, 27, 33), LatencyStats.EMPTY);
    }

    @Test
    void aWindowThatOpenedBeforeTheFloorIsWrittenAtOnceFlaggedClockSuspect() throws Exception {
        Path file = dir.resolve("reports.jsonl");
        // report 0 opens at 10:00:00, before the floor; report 1 at 10:00:05, on it
        JsonlSink sink = JsonlSink.open(file, "edge-01", Map.of(), new ClockFloor(Instant.parse("2026-11-23T10:00:05Z")));
        StepVerifier.create(Flux.range(0, 2).concatMap(i -> sink.write(report("cam", i)))).expectComplete()
                .verify(Duration.ofSeconds(10));
        sink.close();
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = Files.readAllLines(file).stream().map(l -> {
            try {
                return json.readTree(l);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
        assertThat(lines.get(0).get("clock_suspect").asBoolean()).isTrue();
        assertThat(lines.get(1).has("clock_suspect")).isFalse();
    }

    @Test
    void writesOneReportPerLineInOrderWithTheMonitoringKeyOrder() throws Exception {
        Path file = dir.resolve("out/sub/reports.jsonl");
        JsonlSink sink = JsonlSink.open(file, "edge-01", Map.of("dock-3", Map.of("site", "toronto")));
        StepVerifier.create(Flux.range(0, 20).concatMap(i -> sink.write(report(i % 2 == 0 ? "dock-3" : "gate", i))))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        sink.close();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(20);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertThat(first.get("camera_id").asText()).isEqualTo("dock-3");
        assertThat(first.get("device_id").asText()).isEqualTo("edge-01");
        assertThat(first.get("window_start").asText()).isEqualTo("2026-11-23T10:00:00Z");
        assertThat(first.get("window_end").asText()).isEqualTo("2026-11-23T10:00:05Z");
        assertThat(first.get("frames_seen").asLong()).isEqualTo(50);
        assertThat(first.get("frames_dropped").asLong()).isEqualTo(2);
        assertThat(first.get("metadata").get("site").asText()).isEqualTo("toronto");
        assertThat(json.readTree(lines.get(1)).get("metadata").size()).isZero();
        JsonNode result = first.get("inference_results").get(0);
        assertThat(List.of(result.fieldNames().next(), result.toString()))
                .containsExactly("model_id", "{\"model_id\":\"m/1\",\"class_name\":\"person\",\"confidence\":0.91,"
                        + "\"inference_id\":\"id-0\",\"model_type\":\"object-detection\"}");
        assertThat(first.get("class_stats").get(0).get("mean_confidence").asDouble()).isEqualTo(0.7);
        assertThat(first.get("latency_ms").get("inference").get("p95").asDouble()).isEqualTo(20.0);
        assertThat(first.get("latency_ms").get("call").get("p95").asDouble()).isEqualTo(22.0);
        for (int i = 0; i < 20; i++) {
            assertThat(json.readTree(lines.get(i)).get("inference_results").get(0).get("inference_id").asText())
                    .isEqualTo("id-" + i);
        }
    }

    @Test
    void appendsToAnExistingFileAndRefusesWritesAfterClose() throws Exception {
        Path file = dir.resolve("reports.jsonl");
        Files.writeString(file, "{\"earlier\":true}\n");
        JsonlSink sink = JsonlSink.open(file, null, Map.of());
        sink.write(report("a", 0)).block(Duration.ofSeconds(5));
        sink.close();
        assertThat(Files.readAllLines(file)).hasSize(2);
        StepVerifier.create(sink.write(report("a", 1)))
                .expectErrorMessage("JSONL sink " + file + " is closed")
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void anUnwritablePathIsReportedByName() {
        Path blocked = dir.resolve("file-not-dir");
        Assertions.assertThatThrownBy(() -> {
            Files.writeString(blocked, "x");
            JsonlSink.open(blocked.resolve("reports.jsonl"), null, Map.of());
        }).hasMessageContaining(blocked.resolve("reports.jsonl").toString());
    }
}
