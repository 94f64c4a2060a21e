package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;

import io.edgewatch.health.HealthStore;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxSender;

/**
 * {@code storage:} what must survive a restart.
 *
 * @param path the folder of {@code outbox.db} and {@code health.db}
 * @param outboxMaxEntries requests the outbox keeps at most before it evicts the oldest
 * @param healthHistory how long window figures are kept for the local statistics
 * @param outboxStopGrace how long, at a stop, a delivery in flight may take to finish and record its result
 * @param memoryQueue accepted requests that may wait in memory, in order, while the disk refuses commits (full)
 * @param samplesMaxBytes how much the samples kept on the box ({@code samples/} in {@code path}) may take
 * @param outboxMaxBytes how much {@code outbox.db}'s data (entries and dead letters) may take before the oldest are evicted
 * @param wrongClockHold how long requests made while the wall clock is known wrong (earlier than the build) are held
 *                       for a step that corrects it, before they are sent as stamped, flagged
 */
public record StorageConfig(Path path, long outboxMaxEntries, Duration healthHistory, Duration outboxStopGrace, int memoryQueue,
                            long samplesMaxBytes, long outboxMaxBytes, Duration wrongClockHold) {

    public static final int DEFAULT_OUTBOX_MAX_MB = (int) (Outbox.DEFAULT_MAX_BYTES / (1024 * 1024));

    public static final int DEFAULT_SAMPLES_MAX_MB = 256;

    public static final String DEFAULT_PATH = "var";
    public static final int DEFAULT_OUTBOX_MAX_ENTRIES = 100_000;

    static StorageConfig read(Section s) {
        String folder = s.string("path", DEFAULT_PATH);
        if (s.writtenEmpty("path")) {
            s.error("path", "must name a folder (for outbox.db and health.db); leave the key out for " + DEFAULT_PATH);
            folder = DEFAULT_PATH;
        }
        Path path = Path.of(folder);
        s.writable("path", path, true);
        long outboxMax = s.integer("outbox_max_entries", DEFAULT_OUTBOX_MAX_ENTRIES, 10, 100_000_000);
        Duration history = s.duration("health_history", HealthStore.DEFAULT_RETENTION, Duration.ofHours(1));
        Duration grace = s.duration("outbox_stop_grace", OutboxSender.DEFAULT_STOP_GRACE, Duration.ZERO);
        int memoryQueue = s.integer("memory_queue", Outbox.DEFAULT_MEMORY_QUEUE, 1, 10_000_000);
        int samplesMb = s.integer("samples_max_mb", DEFAULT_SAMPLES_MAX_MB, 1, 1_000_000);
        Duration wrongClockHold = s.duration("wrong_clock_hold", Outbox.DEFAULT_WRONG_CLOCK_HOLD, Duration.ofMinutes(1));
        int outboxMb = s.integer("outbox_max_mb", DEFAULT_OUTBOX_MAX_MB, 1, 1_000_000);
        s.rejectUnknownKeys();
        return new StorageConfig(path, outboxMax, history, grace, memoryQueue, samplesMb * 1024L * 1024L, outboxMb * 1024L * 1024L,
                wrongClockHold);
    }
}
