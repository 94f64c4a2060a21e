/**
 * The MQTT destination: {@link io.edgewatch.sink.mqtt.MqttOptions} ({@code mqtt:} in edgewatch.yaml)
 * makes an {@link io.edgewatch.sink.mqtt.MqttBrokerClient}, HiveMQ's client through its async API,
 * MQTT 5 (or 3.1.1), QoS 1, a clean session that expires at once: nothing is queued in the client
 * across a disconnect, the outbox keeps what the broker did not acknowledge. Topics are
 * {@link io.edgewatch.sink.mqtt.MqttTopics}; Home Assistant discovery is
 * {@link io.edgewatch.sink.mqtt.HomeAssistant}; TLS material is read by {@link io.edgewatch.sink.mqtt.MqttTls}.
 */
package io.edgewatch.sink.mqtt;
