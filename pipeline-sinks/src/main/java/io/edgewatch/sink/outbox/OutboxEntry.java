package io.edgewatch.sink.outbox;

/**
 * One request waiting to be delivered.
 *
 * @param id position in the outbox: entries are delivered in id order
 * @param destination which sender delivers it
 * @param cameraId the camera it belongs to
 * @param kind what it is to its destination ({@code report}, {@code metadata})
 * @param body the request body, exactly as it will be sent
 * @param createdAtMillis when it was accepted (epoch milliseconds)
 * @param attempts failed deliveries so far
 */
public record OutboxEntry(long id, String destination, String cameraId, String kind, byte[] body,
                          long createdAtMillis, int attempts) {
}
