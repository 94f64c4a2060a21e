package io.edgewatch.sink.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.testkit.Mosquitto;
import io.edgewatch.testkit.MqttSubscriber;

/**
 * Home Assistant discovery against mosquitto: the retained configs a Home Assistant that comes
 * later reads (per camera: source state, fps, and a count per class seen), what they point at,
 * and their removal when a reload removes the camera.
 */
class HomeAssistantTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final String NODE = "homeassistant/sensor/edgewatch_edge-01/";

    @TempDir
    Path dir;
    Mosquitto broker;
    Outbox outbox;
    BrokerSink sink;

    @BeforeEach
    void open() {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (scripts/install-test-deps)");
        broker = Mosquitto.start(dir.resolve("broker"));
        outbox = Outbox.open(dir.resolve("storage"), 10_000, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        if (sink != null) {
            sink.close(Duration.ofSeconds(2));
        }
        outbox.close();
        broker.close();
    }

    private static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void retainedConfigsPerCameraAndClassAreRemovedWithTheCamera() throws Exception {
        MqttOptions o = MqttOptions.of("127.0.0.1", broker.port(), "edge-01", "edge-01").withHomeAssistant(true, "homeassistant");
        sink = BrokerSink.start(outbox, o.withBroker(o.broker().withRetry(Duration.ofMillis(50), Duration.ofMillis(500),
                Duration.ofMillis(500))), new BrokerContext(id -> "streaming"), Map.of());
        sink.cameras(Set.of("cam-1", "cam-2"));
        sink.write(MqttBrokerClientTest.window("cam-1", 0, "person", "forklift")).block(Duration.ofSeconds(5));
        sink.write(MqttBrokerClientTest.window("cam-2", 0)).block(Duration.ofSeconds(5));
        MqttSubscriber.await(() -> outbox.stats().depth() == 0, WITHIN);

        // a Home Assistant that starts later: everything it needs is retained
        try (MqttSubscriber ha = new MqttSubscriber("127.0.0.1", broker.port(), "homeassistant/#");
             MqttSubscriber states = new MqttSubscriber("127.0.0.1", broker.port(), "edgewatch/#")) {
            MqttSubscriber.await(() -> ha.last.keySet().containsAll(Set.of(NODE + "cam-1_state/config", NODE + "cam-1_fps/config",
                    NODE + "cam-1_count_person/config", NODE + "cam-1_count_forklift/config", NODE + "cam-2_state/config",
                    NODE + "cam-2_fps/config")), WITHIN);
            assertThat(ha.received).allSatisfy(r -> assertThat(r.retained()).isTrue());
            JsonNode fps = read(ha.last.get(NODE + "cam-1_fps/config"));
            assertThat(fps.get("state_topic").asText()).isEqualTo("edgewatch/edge-01/cam-1/state");
            assertThat(fps.get("availability_topic").asText()).isEqualTo("edgewatch/edge-01/availability");
            assertThat(fps.get("unique_id").asText()).isEqualTo("edgewatch_edge-01_cam-1_fps");
            assertThat(fps.get("unit_of_measurement").asText()).isEqualTo("fps");
            assertThat(fps.get("value_template").asText()).isEqualTo("{{ value_json.fps }}");
            assertThat(fps.path("device").path("identifiers").get(0).asText()).isEqualTo("edgewatch_edge-01_cam-1");
            assertThat(fps.path("origin").path("name").asText()).isEqualTo("edgewatch");
            JsonNode person = read(ha.last.get(NODE + "cam-1_count_person/config"));
            assertThat(person.get("value_template").asText()).isEqualTo("{{ value_json.counts.get(\"person\", 0) }}");
            // what the templates read
            MqttSubscriber.await(() -> states.last.containsKey("edgewatch/edge-01/cam-1/state")
                    && states.last.containsKey("edgewatch/edge-01/availability"), WITHIN);
            JsonNode state = read(states.last.get("edgewatch/edge-01/cam-1/state"));
            assertThat(state.get("source_state").asText()).isEqualTo("streaming");
            assertThat(state.get("fps").asDouble()).isEqualTo(10.0);
            assertThat(state.get("counts").get("person").asLong()).isEqualTo(3);
            assertThat(states.last.get("edgewatch/edge-01/availability")).isEqualTo("online");

            // a reload removes cam-2: its configs and state are cleared (an empty retained payload deletes them)
            sink.cameras(Set.of("cam-1"));
            MqttSubscriber.await(() -> "".equals(ha.last.get(NODE + "cam-2_state/config"))
                    && "".equals(ha.last.get(NODE + "cam-2_fps/config")), WITHIN);
        }
        try (MqttSubscriber later = new MqttSubscriber("127.0.0.1", broker.port(), "#")) {
            MqttSubscriber.await(() -> later.last.containsKey(NODE + "cam-1_count_forklift/config"), WITHIN);
            Thread.sleep(500);
            assertThat(later.last.keySet()).noneMatch(t -> t.contains("cam-2"));
        }
    }
}
