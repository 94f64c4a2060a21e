package io.edgewatch.sink.broker;

import java.util.function.Function;

/**
 * What the daemon tells a broker client beyond its options.
 *
 * @param sourceState a camera's source state now ({@code streaming}, {@code reconnecting} ...), null when not known:
 *                    MQTT's retained {@code state} topic carries it
 */
public record BrokerContext(Function<String, String> sourceState) {

    /** Knowing nothing of the cameras (tests, benches). */
    public static final BrokerContext NONE = new BrokerContext(id -> null);
}
