/**
 * The kafka destination: outbox entries sent with a plain {@code KafkaProducer} ({@code acks=all}, idempotent, key
 * = camera id, the message id and schema version as headers), delivered on the broker's acknowledgement only.
 * {@link io.edgewatch.sink.kafka.KafkaTransport} is the outbox transport; {@link io.edgewatch.sink.kafka.KafkaOptions}
 * configures it (its password and secret properties are never printed).
 */
package io.edgewatch.sink.kafka;
