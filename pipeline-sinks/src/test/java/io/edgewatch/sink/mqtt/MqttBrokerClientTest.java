package io.edgewatch.sink.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.secret.Secret;
import io.edgewatch.sink.broker.BrokerClient;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.testkit.Mosquitto;
import io.edgewatch.testkit.MqttSubscriber;

/** The MQTT destination against Debian's mosquitto, a child process on 127.0.0.1. */
class MqttBrokerClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    Mosquitto broker;
    Outbox outbox;
    BrokerSink sink;

    @BeforeEach
    void open() {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (scripts/install-test-deps)");
        outbox = Outbox.open(dir.resolve("storage"), 100_000, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        if (sink != null) {
            sink.close(Duration.ofSeconds(2));
        }
        if (outbox != null) {
            outbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    static WindowReport window(String camera, int i, String... classes) {
        Instant end = Instant.parse("2026-12-07T12:00:05Z").plusSeconds(5L * i);
        List<ClassStats> stats = java.util.Arrays.stream(classes).map(c -> new ClassStats(c, 3, 2, 0.7, 0.8, 0.9))
                .toList();
        return new WindowReport(camera, "yolo/1", "object-detection", end.minusSeconds(5), end, 50, 25, 0, 0, Map.of(), Map.of(),
                List.of(new ClassResult("yolo/1", "person", 0.9, "id" + i, "object-detection")), stats, LatencyStats.EMPTY,
                LatencyStats.EMPTY, LatencyStats.EMPTY);
    }

    private MqttOptions options() {
        MqttOptions o = MqttOptions.of("127.0.0.1", broker.port(), "edge-01-client", "edge-01");
        return o.withBroker(o.broker().withRetry(Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofMillis(500))
                .withTimeout(Duration.ofSeconds(3)));
    }

    private BrokerSink start(MqttOptions o) {
        sink = BrokerSink.start(outbox, o, new BrokerContext(id -> "streaming"), Map.of());
        sink.cameras(Set.of("cam-1", "cam-2"));
        return sink;
    }

    @Test
    void windowsAndAlertsArePublishedWithTheirMessageIdAndLeaveTheOutboxOnPuback() throws Exception {
        broker = Mosquitto.start(dir.resolve("broker"));
        try (MqttSubscriber sub = new MqttSubscriber("127.0.0.1", broker.port(), "edgewatch/#")) {
            start(options());
            for (int i = 0; i < 10; i++) {
                sink.write(window("cam-1", i, "person")).block(Duration.ofSeconds(5));
                sink.write(window("cam-2", i)).block(Duration.ofSeconds(5));
            }
            sink.alert("cam-1", "source_down", true, Instant.parse("2026-12-07T12:01:00Z"), 1, 0, "source down");
            MqttSubscriber.await(() -> outbox.stats().depth() == 0, WITHIN);
            MqttSubscriber.await(() -> sub.on("edgewatch/edge-01/cam-1/window").size() == 10
                    && sub.on("edgewatch/edge-01/cam-2/window").size() == 10 && sub.on("edgewatch/edge-01/cam-1/alert").size() == 1
                    && sub.last.containsKey("edgewatch/edge-01/cam-2/state"), WITHIN);
            for (MqttSubscriber.Received r : sub.on("edgewatch/edge-01/cam-1/window")) {
                JsonNode n = JSON.readTree(r.payload());
                assertThat(n.get("schema_version").asInt()).isEqualTo(1);
                assertThat(n.get("kind").asText()).isEqualTo("window");
                assertThat(r.messageId()).isEqualTo(n.get("message_id").asText());
                assertThat(r.retained()).isFalse();
            }
            List<String> ends = sub.on("edgewatch/edge-01/cam-1/window").stream()
                    .map(r -> read(r.payload()).get("window_end").asText()).toList();
            assertThat(ends).isSorted().hasSize(10);
            JsonNode alert = read(sub.on("edgewatch/edge-01/cam-1/alert").get(0).payload());
            assertThat(alert.get("signal").asText()).isEqualTo("source_down");
            assertThat(sub.last.get("edgewatch/edge-01/availability")).isEqualTo("online");
            MqttSubscriber.await(() -> read(sub.last.getOrDefault("edgewatch/edge-01/cam-1/state", "{}")).path("window_end").asText()
                    .equals("2026-12-07T12:00:50Z"), WITHIN);
            JsonNode state = read(sub.last.get("edgewatch/edge-01/cam-1/state"));
            assertThat(state.get("source_state").asText()).isEqualTo("streaming");
            assertThat(state.get("fps").asDouble()).isEqualTo(10.0);
            assertThat(state.get("counts").get("person").asLong()).isEqualTo(3);
            assertThat(sink.stats().acknowledged()).isEqualTo(21);
            assertThat(sink.stats().state()).isEqualTo(BrokerClient.State.CONNECTED);

            sink.close(Duration.ofSeconds(2));
            MqttSubscriber.await(() -> "stopped".equals(sub.last.get("edgewatch/edge-01/availability")), WITHIN);
        }
        // retained: what a consumer that comes later reads first
        try (MqttSubscriber late = new MqttSubscriber("127.0.0.1", broker.port(), "edgewatch/#")) {
            MqttSubscriber.await(() -> late.last.containsKey("edgewatch/edge-01/availability")
                    && late.last.containsKey("edgewatch/edge-01/cam-1/state"), WITHIN);
            assertThat(late.last.get("edgewatch/edge-01/availability")).isEqualTo("stopped");
            assertThat(late.on("edgewatch/edge-01/cam-1/window")).isEmpty();
        }
    }

    private static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void refusedCredentialsStopTheDestinationKeepTheEntriesAndItResumesOnceTheBrokerTakesThem() throws Exception {
        Path passwords = Mosquitto.passwordFile(dir.resolve("broker/passwd"), "edgewatch", "old-password");
        broker = Mosquitto.start(dir.resolve("broker"), "allow_anonymous false", "password_file " + passwords);
        start(options().withCredentials("edgewatch", Secret.of("new-password")));
        for (int i = 0; i < 5; i++) {
            sink.write(window("cam-1", i)).block(Duration.ofSeconds(5));
        }
        MqttSubscriber.await(sink::stopped, WITHIN);
        assertThat(sink.stopReason()).contains("refused this client").contains("NOT_AUTHORIZED").doesNotContain("new-password");
        assertThat(sink.stats().state()).isEqualTo(BrokerClient.State.REFUSED);
        Thread.sleep(1000);
        assertThat(outbox.stats().depth()).isEqualTo(5);

        // the broker's operator sets the password the box has
        Mosquitto.passwordFile(passwords, "edgewatch", "new-password");
        broker.reload();
        try (MqttSubscriber sub = new MqttSubscriber("127.0.0.1", broker.port(), "edgewatch/#", "edgewatch", "new-password")) {
            MqttSubscriber.await(() -> outbox.stats().depth() == 0, WITHIN);
            assertThat(sink.stopped()).isFalse();
            MqttSubscriber.await(() -> sub.on("edgewatch/edge-01/cam-1/window").size() == 5, WITHIN);
        }
    }

    @Test
    void mqtt311DeliversToo() throws Exception {
        broker = Mosquitto.start(dir.resolve("broker"));
        try (MqttSubscriber sub = new MqttSubscriber("127.0.0.1", broker.port(), "edgewatch/#")) {
            start(options().withVersion(false));
            for (int i = 0; i < 5; i++) {
                sink.write(window("cam-1", i)).block(Duration.ofSeconds(5));
            }
            MqttSubscriber.await(() -> outbox.stats().depth() == 0 && sub.on("edgewatch/edge-01/cam-1/window").size() == 5, WITHIN);
            // no user properties in 3.1.1: the id is in the JSON only
            assertThat(sub.on("edgewatch/edge-01/cam-1/window")).allSatisfy(r -> {
                assertThat(r.messageId()).isNull();
                assertThat(read(r.payload()).get("message_id").asText()).isNotEmpty();
            });
            assertThat(sink.stats().where()).contains("MQTT 3.1.1");
        }
    }
}
