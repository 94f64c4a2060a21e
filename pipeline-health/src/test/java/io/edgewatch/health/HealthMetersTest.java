package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.source.SourceStatus;

/**
 * Security review finding 9: class names come from the model or the Inference Server's answer; a
 * server naming a new class in every answer does not grow {@code /metrics} without end: past
 * {@link HealthMeters#MAX_CLASSES} classes a camera's predictions are counted under
 * {@code class="other"}, none lost.
 */
class HealthMetersTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    private static WindowReport window(int i, String className) {
        LatencyStats lat = new LatencyStats(10, 20, 20, 30, 40, 45);
        Instant end = T0.plusSeconds(5L * (i + 1));
        return new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(5), end, 10, 10, 0, 0,
                Map.of(), Map.of(), List.of(), List.of(new ClassStats(className, 2, 2, 0.5, 0.7, 0.9)), lat, lat, lat);
    }

    private static long series(String scrape) {
        return scrape.lines().filter(l -> !l.startsWith("#") && l.contains("camera=\"cam-1\"")).count();
    }

    @Test
    void aNewClassInEveryAnswerLeavesTheSeriesBoundedAndCountsTheRestAsOther() {
        try (Health health = new Health(Clock.fixed(T0, ZoneOffset.UTC))) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), SourceProbe.of(true,
                    () -> new SourceStatus(SourceStatus.State.STREAMING, T0, 0, null)), null);
            int windows = 0;
            for (; windows < HealthMeters.MAX_CLASSES + 50; windows++) {
                health.record(window(windows, "class-" + windows));
            }
            long atCap = series(health.scrape());
            for (; windows < 3 * HealthMeters.MAX_CLASSES; windows++) {
                health.record(window(windows, "class-" + windows));
            }
            String scrape = health.scrape();
            assertThat(series(scrape)).as("series of cam-1 after " + windows + " new classes").isEqualTo(atCap);
            Matcher classes = Pattern.compile("edgewatch_detections_total\\{camera=\"cam-1\",class=\"([^\"]+)\"").matcher(scrape);
            int named = 0;
            while (classes.find()) {
                named++;
            }
            assertThat(named).isEqualTo(HealthMeters.MAX_CLASSES + 1);
            assertThat(scrape).contains("edgewatch_detections_total{camera=\"cam-1\",class=\"class-0\",model=\"m/1\"} 2.0")
                    .contains("edgewatch_detections_total{camera=\"cam-1\",class=\"other\",model=\"m/1\"} "
                            + 2 * (windows - HealthMeters.MAX_CLASSES) + ".0")
                    .doesNotContain("class=\"class-" + HealthMeters.MAX_CLASSES + "\"");
        }
    }
}
