package io.edgewatch.sink.broker;

import java.time.Duration;
import java.util.Set;

import reactor.core.publisher.Mono;

/**
 * One broker connection (or producer) of a destination, wrapped for the outbox. {@link #publish}
 * completes only once the broker acknowledged the message (MQTT's PUBACK, Kafka's ack), and fails
 * with a {@link io.edgewatch.sink.outbox.DeliveryException} made by {@link BrokerFailures} (retry,
 * stop, dead letter); it must never leave the message in a queue of the client's own that outlives
 * a disconnect: the outbox is the only queue, and it sends again what was not acknowledged. The
 * {@link BrokerSink} bounds every publish with its destination's timeout and cancels what runs over.
 */
public interface BrokerClient extends AutoCloseable {

    /**
     * Starts connecting, and reconnecting after every loss, in the background; completes once first
     * connected, or errors with why not (the sink logs it and goes on: publishing fails, and is
     * retried, until the broker is there).
     */
    Mono<Void> connect();

    /** Publishes {@code message}; completes on the broker's acknowledgement. */
    Mono<Void> publish(BrokerMessage message);

    /** The connection's state now. */
    State state();

    /**
     * The cameras that send to this destination now: called at start and after every reload, with
     * all of them. A client that publishes per-camera retained topics (states, discovery) clears
     * those of a camera no longer listed.
     */
    default void cameras(Set<String> cameraIds) {
    }

    /** Where it connects, for logs and the status: no credentials. */
    String describe();

    /** Disconnects cleanly (an MQTT client says {@code stopped} first), waiting at most {@code grace}. */
    void close(Duration grace);

    @Override
    default void close() {
        close(Duration.ofSeconds(5));
    }

    /** A connection's state, as {@code /healthz} and the metrics show it. */
    enum State {
        /** Not connected yet, or connecting again after a loss. */
        CONNECTING,
        CONNECTED,
        /** The broker refused this client (credentials, authorisation, a TLS certificate): a person must act. */
        REFUSED,
        CLOSED;

        /** As {@code /healthz} words it. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
