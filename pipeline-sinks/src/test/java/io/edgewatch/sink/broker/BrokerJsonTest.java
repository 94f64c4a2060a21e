package io.edgewatch.sink.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.sink.json.ReportJson;

class BrokerJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static WindowReport window(String camera, int i) {
        Instant end = Instant.parse("2026-12-07T12:00:05Z").plusSeconds(5L * i);
        return new WindowReport(camera, "yolo/1", "object-detection", end.minusSeconds(5), end, 50, 25, 0, 0, Map.of(), Map.of(),
                List.of(new ClassResult("yolo/1", "person", 0.9, "id" + i, "object-detection")), List.of(), LatencyStats.EMPTY,
                LatencyStats.EMPTY, LatencyStats.EMPTY);
    }

    @Test
    void aWindowIsTheJsonlLineLedBySchemaVersionKindAndMessageId() throws Exception {
        UUID id = BrokerJson.uuidV7();
        byte[] body = BrokerJson.window(window("dock-3", 0), "edge-01", Map.of("line", "2"), id);
        JsonNode n = JSON.readTree(body);
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        assertThat(keys.subList(0, 3)).containsExactly("schema_version", "kind", "message_id");
        assertThat(n.get("schema_version").asInt()).isEqualTo(BrokerJson.SCHEMA_VERSION);
        assertThat(n.get("kind").asText()).isEqualTo("window");
        assertThat(n.get("message_id").asText()).isEqualTo(id.toString());
        JsonNode line = JSON.readTree(JSON.writeValueAsBytes(ReportJson.of(window("dock-3", 0), "edge-01", Map.of("line", "2"))));
        List<String> rest = keys.subList(3, keys.size());
        List<String> lineKeys = new ArrayList<>();
        line.fieldNames().forEachRemaining(lineKeys::add);
        assertThat(rest).isEqualTo(lineKeys);
        lineKeys.forEach(k -> assertThat(n.get(k)).as(k).isEqualTo(line.get(k)));
        assertThat(BrokerJson.messageId(body)).isEqualTo(id.toString());
    }

    @Test
    void anAlertHasTheWebhookFieldsAndNullForNumbersThatAreNot() throws Exception {
        UUID id = BrokerJson.uuidV7();
        JsonNode n = JSON.readTree(BrokerJson.alert("edge-01", null, "delivery_stopped:mqtt", true,
                Instant.parse("2026-12-07T12:00:00Z"), Double.NaN, Double.NaN, "mqtt: not authorized", id));
        assertThat(n.toString()).isEqualTo("{\"schema_version\":1,\"kind\":\"alert\",\"message_id\":\"" + id + "\","
                + "\"device_id\":\"edge-01\",\"camera_id\":null,\"signal\":\"delivery_stopped:mqtt\",\"state\":\"firing\","
                + "\"at\":\"2026-12-07T12:00:00Z\",\"baseline\":null,\"current\":null,\"message\":\"mqtt: not authorized\"}");
    }

    @Test
    void messageIdsAreVersion7AndSortInTheOrderTheyWereMadeEvenWithinOneMillisecond() {
        List<UUID> ids = new ArrayList<>();
        long ms = 1_765_000_000_000L;
        BrokerJson.MessageIds gen = new BrokerJson.MessageIds();
        for (int i = 0; i < 10_000; i++) {
            // 5000 in one millisecond (more than the 12 bits' room past a random start), then a step back of the clock
            ids.add(gen.next(i < 5000 ? ms : ms - 1000));
        }
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i).version()).isEqualTo(7);
            assertThat(ids.get(i).variant()).isEqualTo(2);
            assertThat(ids.get(i).toString()).isGreaterThan(ids.get(i - 1).toString());
        }
        assertThat(ids.get(0).getMostSignificantBits() >>> 16).isEqualTo(ms);
        assertThat(ids.stream().distinct().count()).isEqualTo(ids.size());
    }

    @Test
    void aBodyWithoutMessageIdIsRefused() {
        assertThatThrownBy(() -> BrokerJson.messageId("{\"kind\":\"window\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without message_id");
        assertThatThrownBy(() -> BrokerJson.messageId("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
