package io.edgewatch.sink.broker;

/**
 * A broker destination as health reporting shows it (since this start).
 *
 * @param destination {@code mqtt}, {@code kafka}
 * @param state the connection's state
 * @param stopped whether delivery is stopped until a person acts (then {@code delivery_stopped:NAME} fires)
 * @param sent publishes started (retries included)
 * @param acknowledged publishes the broker acknowledged (entries delivered)
 * @param retried publishes that failed and will be sent again
 * @param where the broker, without credentials
 */
public record DestinationStats(String destination, BrokerClient.State state, boolean stopped, long sent, long acknowledged,
                               long retried, String where) {

    public boolean connected() {
        return state == BrokerClient.State.CONNECTED;
    }
}
