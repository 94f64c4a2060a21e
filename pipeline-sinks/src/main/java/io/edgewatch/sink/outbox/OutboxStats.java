package io.edgewatch.sink.outbox;

/**
 * What health reporting needs of the outbox.
 *
 * @param depth entries waiting
 * @param oldestAgeMillis age of the oldest waiting entry, 0 when empty
 * @param accepted entries committed since the outbox was created (kept across restarts)
 * @param delivered entries delivered and deleted (kept across restarts)
 * @param retries failed attempts that will be retried (kept across restarts)
 * @param evicted entries dropped because the outbox was full (kept across restarts)
 */
public record OutboxStats(long depth, long oldestAgeMillis, long accepted, long delivered, long retries, long evicted) {
}
