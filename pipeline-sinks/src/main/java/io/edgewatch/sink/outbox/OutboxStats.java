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
 * @param refused appends refused since the start for what was wrong with their entry (each an error to its caller)
 * @param held entries waiting that were made while the wall clock was known wrong, held for the step that corrects it
 */
public record OutboxStats(long depth, long oldestAgeMillis, long accepted, long delivered, long retries, long evicted,
                          long refused, long held) {

    /** None refused or held. */
    public OutboxStats(long depth, long oldestAgeMillis, long accepted, long delivered, long retries, long evicted) {
        this(depth, oldestAgeMillis, accepted, delivered, retries, evicted, 0, 0);
    }
}
