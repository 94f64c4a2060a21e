package io.edgewatch.sink.broker;

/**
 * A broker destination as its configuration section made it: a record of its options (compared by
 * a reload, so it must be a value) that can make its client. MQTT's is {@code MqttOptions}, Kafka's
 * {@code KafkaOptions}; {@link BrokerSink#start} takes any of them.
 */
public interface BrokerDestination {

    /** What every broker destination has: its name, content, timeout, retry and probe. */
    BrokerOptions broker();

    /** A new, unconnected client ({@link BrokerSink} connects it, once). */
    BrokerClient newClient(BrokerContext context);

    /** What to check when the broker refuses this box, for the {@code delivery_stopped} alert. */
    String hint();
}
