/**
 * Message brokers (MQTT, Kafka) as outbox destinations. A {@link io.edgewatch.sink.broker.BrokerSink}
 * commits each window and alert as an entry of its destination ({@code mqtt}, {@code kafka}), its
 * JSON made once by {@link io.edgewatch.sink.broker.BrokerJson} with a {@code message_id} fixed at
 * commit; the outbox's sender hands entries, a camera's in order, to the destination's
 * {@link io.edgewatch.sink.broker.BrokerClient}, and an entry leaves the outbox only once the broker
 * acknowledged it. {@link io.edgewatch.sink.broker.BrokerFailures} says how a client's error is
 * sorted: retried, the destination stopped (and probed), or a dead letter. A destination is its
 * options record implementing {@link io.edgewatch.sink.broker.BrokerDestination}.
 */
package io.edgewatch.sink.broker;
