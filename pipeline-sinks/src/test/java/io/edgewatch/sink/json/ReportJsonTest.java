package io.edgewatch.sink.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;

class ReportJsonTest {

    private static WindowReport report(Duration clockStep) {
        Instant start = Instant.parse("2026-12-07T10:00:00Z");
        return new WindowReport("cam", "m/1", "object-detection", start, start.plusSeconds(3), 10, 10, 10, 0, 0, 0, Map.of(),
                Map.of(), List.of(), List.of(), LatencyStats.EMPTY, LatencyStats.EMPTY, LatencyStats.EMPTY, LatencyStats.EMPTY,
                LatencyStats.EMPTY, clockStep);
    }

    @Test
    void aWindowAClockStepClosedSaysTheStepInSecondsRightAfterItsEndAndNoOtherDoes() {
        Map<String, Object> stepped = ReportJson.of(report(Duration.ofHours(-1)), "edge", Map.of());
        List<String> keys = new ArrayList<>(stepped.keySet());
        assertThat(keys.indexOf("clock_step_s")).isEqualTo(keys.indexOf("window_end") + 1);
        assertThat(stepped.get("clock_step_s")).isEqualTo(-3600.0);
        assertThat(ReportJson.of(report(Duration.ofMillis(1_500)), "edge", Map.of()).get("clock_step_s")).isEqualTo(1.5);
        assertThat(ReportJson.of(report(null), "edge", Map.of())).doesNotContainKey("clock_step_s");
    }
}
