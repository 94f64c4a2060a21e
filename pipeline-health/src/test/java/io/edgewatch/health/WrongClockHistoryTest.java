package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.core.clock.ClockStep;

/**
 * The windows and marks health.db keeps while the wall clock is known wrong (earlier than the
 * build) are moved by the step that makes it right: the history shows them where they happened,
 * and retention, which reads the corrected clock, does not drop them as years old.
 */
class WrongClockHistoryTest {

    static final Instant BUILT = Instant.parse("2026-12-01T00:00:00Z");
    static final ClockFloor FLOOR = new ClockFloor(BUILT);
    static final Instant BOOT = Instant.parse("2018-09-21T00:00:00Z");
    /** NTP's step: the box booted at BOOT on its clock, at NOW on the right one. */
    static final Instant NOW = Instant.parse("2026-12-08T00:00:00Z");
    static final Duration STEP = Duration.between(BOOT, NOW);

    @TempDir
    Path dir;

    private static WindowReport window(Instant start, Duration length) {
        LatencyStats lat = new LatencyStats(5, 20, 20, 30, 40, 45);
        return new WindowReport("cam-1", "m/1", "object-detection", start, start.plus(length), 5, 5, 0, 0,
                Map.of(), Map.of(), List.of(), List.of(new ClassStats("person", 3, 2, 0.5, 0.7, 0.9)), lat, lat, lat);
    }

    @Test
    void windowsAndMarksMadeOnAClockBeforeTheBuildAreMovedByTheStepThatCorrectsItAndKept() {
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(30))) {
            store.saveMark(new HistoryMark("cam-1", BOOT.plusSeconds(1), HistoryMark.STATE, "streaming"));
            store.saveWindow(window(BOOT.plusSeconds(2), Duration.ofSeconds(10)), "test");
            store.saveWindow(window(BOOT.plusSeconds(12), Duration.ofSeconds(10)), "test");
            store.clockStepped(FLOOR, new ClockStep(STEP, BOOT.plusSeconds(22), NOW.plusSeconds(22), 1));
            // the window the step closed, labelled on the clock before it, reaches the store after the step
            store.saveWindow(window(BOOT.plusSeconds(22), Duration.ofSeconds(3)), "test");
            // and the first on the right clock, an hour of the store later: retention reads the time here
            store.saveWindow(window(NOW.plusSeconds(25), Duration.ofSeconds(10)), "test");
            store.flush();
            List<StoredWindow> windows = store.windows(BOOT.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
            assertThat(windows).extracting(StoredWindow::start).containsExactly(NOW.plusSeconds(2), NOW.plusSeconds(12),
                    NOW.plusSeconds(22), NOW.plusSeconds(25));
            assertThat(windows).extracting(w -> Duration.between(w.start(), w.end())).containsExactly(Duration.ofSeconds(10),
                    Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(10));
            List<HistoryMark> marks = new ArrayList<>();
            store.marks("cam-1", NOW, NOW.plusSeconds(60), marks::add);
            assertThat(marks).extracting(HistoryMark::at).containsExactly(NOW.plusSeconds(1));
        }
    }

    @Test
    void stepsOfARightClockMoveNothing() {
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(30))) {
            store.saveWindow(window(NOW, Duration.ofSeconds(10)), "test");
            store.clockStepped(FLOOR, new ClockStep(Duration.ofHours(1), NOW.plusSeconds(10), NOW.plusSeconds(3610), 1));
            store.saveWindow(window(NOW.plusSeconds(3610), Duration.ofSeconds(10)), "test");
            store.flush();
            assertThat(store.windows(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(1)))).extracting(StoredWindow::start)
                    .containsExactly(NOW, NOW.plusSeconds(3610));
        }
    }
}
