package io.edgewatch.health;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.core.clock.ClockStep;
import io.edgewatch.health.alert.AlertEngine;
import io.edgewatch.health.alert.AlertEvent;

/**
 * What health must not forget over a restart: each camera's learnt baseline (with the model it
 * was learnt for), the alert history, and every window's figures for the local statistics. Writes
 * never make a pipeline thread wait on the disk; one that fails is logged and the daemon goes on.
 * {@link #open} keeps it in SQLite; {@link #none()} stands in when that cannot be opened, and
 * keeps nothing.
 */
public interface HealthStore extends AutoCloseable {

    /** How long window figures are kept when {@code storage.health_history} is not set. */
    Duration DEFAULT_RETENTION = Duration.ofDays(30);

    /** Opens (or creates) {@code folder/health.db}, keeping window history for 30 days. */
    static HealthStore open(Path folder) {
        return open(folder, DEFAULT_RETENTION);
    }

    /**
     * Opens (or creates) {@code folder/health.db}, keeping window history for {@code retention}.
     *
     * @throws IllegalStateException when it cannot be opened, naming the file
     */
    static HealthStore open(Path folder, Duration retention) {
        return open(folder, retention, DEFAULT_MEMORY_QUEUE);
    }

    /** Writes that may wait in memory, in order, while the disk refuses them, when not configured. */
    int DEFAULT_MEMORY_QUEUE = 10_000;

    /**
     * Opens the store; while its disk refuses writes (full), up to {@code memoryQueue} of them wait
     * in memory, in order, and are done once it takes them again.
     *
     * @throws IllegalStateException when it cannot be opened, naming the file
     */
    static HealthStore open(Path folder, Duration retention, int memoryQueue) {
        return SqliteHealthStore.open(folder, retention, memoryQueue);
    }

    /** A store that keeps nothing: baselines are learnt anew at each start, no history is served. */
    static HealthStore none() {
        return NoHealthStore.INSTANCE;
    }

    /** False for {@link #none()}: no window history is kept and no baseline can be pinned. */
    boolean keepsHistory();

    /** The database file, or null when nothing is kept. */
    Path file();

    /** The baseline kept for the camera, if it was learnt for this model; else null (learn again). */
    AlertEngine.Baseline baseline(String camera, String model);

    /** Keeps a camera's baseline, replacing the one before. */
    void saveBaseline(String camera, String model, AlertEngine.Baseline baseline);

    /** Forgets a camera's baseline. */
    void deleteBaseline(String camera);

    /** Appends an alert's start or clear to the history. */
    void saveAlert(AlertEvent e);

    /** Keeps a window's figures, with the version of the daemon that measured them. */
    void saveWindow(WindowReport r, String version);

    /**
     * Hands {@code each} the windows of {@code camera} (null: of every camera) whose end lies in
     * {@code [from, to)}, oldest first, one at a time as they are read: a read holds the window in
     * hand and nothing more, whatever the range, so its memory is what {@code each} keeps (a point
     * per step, not a row per window). Blocking: call off event loops.
     *
     * @throws IllegalStateException when the history cannot be read, naming the file
     */
    void windows(String camera, Instant from, Instant to, Consumer<StoredWindow> each);

    /**
     * The windows of every camera whose end lies in {@code [from, to)}, oldest first, in a list:
     * for short ranges (tests, a roll-up's hour), never for a range a request chooses.
     */
    default List<StoredWindow> windows(Instant from, Instant to) {
        List<StoredWindow> out = new ArrayList<>();
        windows(null, from, to, out::add);
        return out;
    }

    /** Keeps a mark of the history's time axis (a source state change, a start, a stop, a clock step). */
    default void saveMark(HistoryMark mark) {
    }

    /**
     * Hands {@code each} the marks of {@code camera} and the daemon's own whose time lies in
     * {@code [from, to]}, oldest first, preceded by the camera's last state change before
     * {@code from} (the state the range opens in) when there is one. Nothing when nothing is kept.
     * Blocking: call off event loops.
     */
    default void marks(String camera, Instant from, Instant to, Consumer<HistoryMark> each) {
    }

    /**
     * The wall clock stepped: the windows and marks kept with times earlier than {@code floor} (made while the clock
     * was known wrong) move by the step, in order with the writes before it, so the history shows them where they
     * happened and retention does not take them for years old; once the step made the clock right, a window still
     * labelled before the floor that comes after it (the one the step closed) moves by it too. Nothing when nothing is
     * kept.
     */
    default void clockStepped(ClockFloor floor, ClockStep step) {
    }

    /** What was found damaged and salvaged when the store opened, for the daemon's alert; null when it opened whole. */
    default String damage() {
        return null;
    }

    /** Waits until every write queued so far is done, for at most 10 s (a read that must see the last window). */
    default void flush() {
        flush(Duration.ofSeconds(10));
    }

    /** Waits until every write queued so far is done, for at most {@code wait}. */
    void flush(Duration wait);

    /** The camera's alerts whose last event is a start: what was firing when the daemon stopped. */
    List<AlertEvent> firingAlerts(String camera);

    /** The last {@code limit} alert starts and clears, newest first. */
    List<AlertEvent> recentAlerts(int limit);

    /** Why writes wait in memory instead of on disk (a full disk); null while the disk takes them. */
    default String storageProblem() {
        return null;
    }

    /** Finishes the pending writes, then closes. */
    @Override
    void close();
}
