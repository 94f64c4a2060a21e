package io.edgewatch.sink.broker;

import io.edgewatch.sink.outbox.OutboxEntry;

/**
 * One message for a broker, as its outbox entry holds it.
 *
 * @param cameraId the camera it belongs to ({@value BrokerSink#DAEMON} for the daemon's own alerts): a Kafka key,
 *                 an MQTT topic level
 * @param kind {@value BrokerJson#WINDOW} or {@value BrokerJson#ALERT}
 * @param messageId the {@code message_id} in the body, fixed when the entry was committed: a retry sends the same one
 * @param body the JSON, exactly as it is to be published
 */
public record BrokerMessage(String cameraId, String kind, String messageId, byte[] body) {

    /** The message an outbox entry of a broker destination holds. */
    public static BrokerMessage of(OutboxEntry entry) {
        return new BrokerMessage(entry.cameraId(), entry.kind(), BrokerJson.messageId(entry.body()), entry.body());
    }
}
