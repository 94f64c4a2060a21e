package io.edgewatch.daemon.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.broker.BrokerOptions;

/**
 * The broker destinations of edgewatch.yaml: {@code mqtt:} ({@link MqttReader}) and {@code kafka:}
 * ({@link KafkaReader}), each off (absent from the map) when its section is missing, each a sink a
 * camera names in {@code sinks:} by its section's name. The keys every broker section has are read
 * here ({@link #common}), so they mean the same in both.
 */
final class BrokerReader {

    /** The sink names of the broker destinations, as cameras name them in {@code sinks:}. */
    static final String MQTT = "mqtt";
    static final String KAFKA = "kafka";

    private BrokerReader() {
    }

    /** Every broker destination configured in {@code main}, by name, in a fixed order. */
    static Map<String, BrokerDestination> read(Section main, String deviceId) {
        Map<String, BrokerDestination> out = new LinkedHashMap<>();
        BrokerDestination mqtt = MqttReader.read(main.section(MQTT), deviceId);
        if (mqtt != null) {
            out.put(MQTT, mqtt);
        }
        BrokerDestination kafka = KafkaReader.read(main.section(KAFKA), deviceId);
        if (kafka != null) {
            out.put(KAFKA, kafka);
        }
        return out;
    }

    /**
     * The keys every broker section has, with their defaults: {@code windows}, {@code alerts}
     * (what is published), {@code timeout} (for an acknowledgement), {@code retry_max},
     * {@code probe_interval}, {@code max_in_flight}.
     */
    static BrokerOptions common(Section s, String destination, String deviceId) {
        boolean windows = s.bool("windows", true);
        boolean alerts = s.bool("alerts", true);
        Duration timeout = s.duration("timeout", BrokerOptions.DEFAULT_TIMEOUT, Duration.ofMillis(100));
        Duration retryMax = s.duration("retry_max", BrokerOptions.DEFAULT_RETRY_MAX, Duration.ofMillis(100));
        Duration probe = s.duration("probe_interval", BrokerOptions.DEFAULT_PROBE_INTERVAL, Duration.ofMillis(100));
        int maxInFlight = s.integer("max_in_flight", BrokerOptions.DEFAULT_MAX_IN_FLIGHT, 1, 256);
        if (!windows && !alerts) {
            s.error("windows", "windows and alerts are both false: this destination would publish nothing (drop the section)");
        }
        return BrokerOptions.of(destination, deviceId)
                .withContent(windows, alerts)
                .withTimeout(timeout)
                .withRetry(BrokerOptions.DEFAULT_RETRY_MIN, retryMax, probe)
                .withMaxInFlight(maxInFlight);
    }
}
