package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.source.SourceStatus;

/**
 * The history endpoint's figures: three days of one-minute windows in a real health store (the
 * ones older than a day rolled up into hourly rows), read back across the roll-up boundary, give
 * the same totals as the windows they summarise; a year-long range answers in a bounded number of points.
 */
class HistoryTest {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    @TempDir
    Path dir;

    private static WindowReport window(Instant end, long seen) {
        LatencyStats lat = new LatencyStats(seen, 20, 20, 30, 40, 45);
        return new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(60), end, seen, seen, 0, 0,
                Map.of(), Map.of(), List.of(), List.of(new ClassStats("person", 3, 2, 0.5, 0.7, 0.9)), lat, lat, lat);
    }

    @Test
    void rangesAcrossTheRollUpAddUpToTheirWindowsAndAYearIsBounded() {
        HealthStore store = HealthStore.open(dir, Duration.ofDays(400));
        long expectedSeen = 0;
        long expectedPeople = 0;
        Instant from = NOW.minus(Duration.ofHours(30)); // six hours of roll-ups, a day of windows
        Instant first = NOW.minus(Duration.ofDays(3));
        for (Instant end = first; !end.isAfter(NOW); end = end.plusSeconds(60)) {
            long seen = 10 + (end.getEpochSecond() / 60) % 7;
            store.saveWindow(window(end, seen), "test");
            if (!end.isBefore(from) && end.isBefore(NOW)) {
                expectedSeen += seen;
                expectedPeople += 3;
            }
        }
        store.flush(Duration.ofMinutes(2)); // thousands of windows and their roll-ups: a loaded box takes a while
        assertThat(store.windows(first, NOW).size()).as("rolled up: fewer rows than windows").isLessThan(3 * 1440 / 2);
        try (Health health = new Health(Clock.fixed(NOW, ZoneOffset.UTC), store)) {
            health.camera("cam-1", "m/1", Duration.ofMinutes(1), SourceProbe.of(true,
                    () -> new SourceStatus(SourceStatus.State.STREAMING, NOW, 0, null)), null);
            ObjectNode h = health.history("cam-1", from, NOW, 600).orElseThrow();
            assertThat(h.get("step_s").asLong()).isEqualTo(600);
            assertThat(h.get("totals").get("seen").asLong()).isEqualTo(expectedSeen);
            long people = 0;
            long seen = 0;
            for (JsonNode p : h.get("points")) {
                seen += p.get("seen").asLong();
                people += p.path("classes").path("person").path("count").asLong();
                assertThat(p.path("classes").path("person").path("mean_confidence").asDouble()).isBetween(0.699, 0.701);
            }
            assertThat(seen).isEqualTo(expectedSeen);
            assertThat(people).isEqualTo(expectedPeople);

            ObjectNode year = health.history("cam-1", NOW.minus(Duration.ofDays(365)), NOW, 1).orElseThrow();
            assertThat(year.get("points").size()).isLessThanOrEqualTo(History.MAX_POINTS);
            assertThat(year.get("step_s").asLong()).isEqualTo(Duration.ofDays(365).toSeconds() / History.MAX_POINTS);
            assertThat(health.history("nope", from, NOW, 60)).isEmpty();
        }
        store.close();
    }

    /**
     * Issue 31: where no windows were kept (the daemon stopped for 25 minutes) the history has a
     * point with null figures between the two runs, so the page's plots break there instead of
     * drawing a line across what was not measured; runs without a gap have none.
     */
    @Test
    void aGapInTheWindowsIsAPointWithNullFiguresBetweenTheTwoRuns() {
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(400));
             Health health = new Health(Clock.fixed(NOW, ZoneOffset.UTC), store)) {
            health.camera("cam-1", "m/1", Duration.ofMinutes(1), SourceProbe.of(true,
                    () -> new SourceStatus(SourceStatus.State.STREAMING, NOW, 0, null)), null);
            Instant from = NOW.minus(Duration.ofHours(1));
            for (int m = 1; m <= 20; m++) {
                store.saveWindow(window(from.plusSeconds(60L * m), 10), "test"); // minutes 1-20
            }
            for (int m = 46; m <= 59; m++) {
                store.saveWindow(window(from.plusSeconds(60L * m), 10), "test"); // minutes 46-59: 25 minutes stopped
            }
            store.flush();
            ObjectNode h = health.history("cam-1", from, NOW, 60).orElseThrow();
            List<JsonNode> points = new java.util.ArrayList<>();
            h.get("points").forEach(points::add);
            assertThat(points).hasSize(20 + 1 + 14);
            JsonNode gap = points.get(20);
            assertThat(gap.get("gap").asBoolean()).isTrue();
            assertThat(gap.get("t").asLong()).isEqualTo(from.getEpochSecond() + 21 * 60);
            assertThat(gap.get("fps_seen").isNull()).isTrue();
            assertThat(gap.get("call_ms").isNull()).isTrue();
            assertThat(points.get(19).get("t").asLong()).isEqualTo(from.getEpochSecond() + 20 * 60);
            assertThat(points.get(21).get("t").asLong()).isEqualTo(from.getEpochSecond() + 46 * 60);
            assertThat(points).filteredOn(p -> p.has("gap")).hasSize(1);
            assertThat(h.get("totals").get("seen").asLong()).isEqualTo(34 * 10);

            // points of 1 s on 1-minute windows are a minute apart: not a gap
            ObjectNode fine = health.history("cam-1", from, from.plusSeconds(600), 1).orElseThrow();
            assertThat(fine.get("points")).hasSize(9).noneMatch(p -> p.has("gap"));
        }
    }
}
