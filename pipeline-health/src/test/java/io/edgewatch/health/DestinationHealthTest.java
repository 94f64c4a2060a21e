package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.sink.broker.BrokerClient;
import io.edgewatch.sink.broker.DestinationStats;

/** A broker destination's connection state and counts, as {@code /healthz} and {@code /metrics} show them. */
class DestinationHealthTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void healthzAndTheMetricsShowEachDestinationsStateAndCounts() {
        AtomicReference<DestinationStats> mqtt = new AtomicReference<>(
                new DestinationStats("mqtt", BrokerClient.State.CONNECTED, false, 12, 10, 2, "tcp://127.0.0.1:1883"));
        try (Health health = new Health(Clock.fixed(T0, ZoneOffset.UTC))) {
            health.destination("mqtt", mqtt::get);
            JsonNode d = health.healthz().path("destinations").path("mqtt");
            assertThat(d.path("state").asText()).isEqualTo("connected");
            assertThat(d.path("connected").asBoolean()).isTrue();
            assertThat(d.path("where").asText()).isEqualTo("tcp://127.0.0.1:1883");
            assertThat(d.path("sent").asLong()).isEqualTo(12);
            String metrics = health.scrape();
            assertThat(metrics).contains("edgewatch_destination_sent_total{destination=\"mqtt\"} 12.0")
                    .contains("edgewatch_destination_acknowledged_total{destination=\"mqtt\"} 10.0")
                    .contains("edgewatch_destination_retried_total{destination=\"mqtt\"} 2.0")
                    .contains("edgewatch_destination_connected{destination=\"mqtt\"} 1.0");

            mqtt.set(new DestinationStats("mqtt", BrokerClient.State.REFUSED, true, 13, 10, 2, "tcp://127.0.0.1:1883"));
            assertThat(health.healthz().path("destinations").path("mqtt").path("state").asText()).isEqualTo("stopped");
            assertThat(health.scrape()).contains("edgewatch_destination_connected{destination=\"mqtt\"} 0.0");
        }
    }

    @Test
    void withoutBrokersHealthzHasNoDestinations() {
        try (Health health = new Health(Clock.fixed(T0, ZoneOffset.UTC))) {
            assertThat(health.healthz().has("destinations")).isFalse();
        }
    }
}
