package io.edgewatch.daemon.config;

import io.edgewatch.sink.broker.BrokerDestination;

/** {@code kafka:} in edgewatch.yaml: the Kafka destination; off (null) when the section is missing. */
final class KafkaReader {

    private KafkaReader() {
    }

    static BrokerDestination read(Section s, String deviceId) {
        if (s.isEmpty()) {
            return null;
        }
        // the Kafka producer comes in its own change: until then every key is unknown
        s.rejectUnknownKeys();
        return null;
    }
}
