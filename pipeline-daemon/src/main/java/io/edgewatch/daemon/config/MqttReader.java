package io.edgewatch.daemon.config;

import io.edgewatch.sink.broker.BrokerDestination;

/** {@code mqtt:} in edgewatch.yaml: the MQTT destination; off (null) when the section is missing. */
final class MqttReader {

    private MqttReader() {
    }

    static BrokerDestination read(Section s, String deviceId) {
        if (s.isEmpty()) {
            return null;
        }
        // the MQTT client comes in the next change: until then every key is unknown
        s.rejectUnknownKeys();
        return null;
    }
}
