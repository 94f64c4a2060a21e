package io.edgewatch.core.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.Version;

class ClockFloorTest {

    @Test
    void aClockEarlierThanTheFloorIsWrongAndTheFloorItselfIsRight() {
        ClockFloor floor = new ClockFloor(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(floor.wrong(Instant.parse("2018-09-21T00:00:00Z"))).isTrue();
        assertThat(floor.wrong(Instant.parse("2026-11-30T23:59:59.999Z"))).isTrue();
        assertThat(floor.wrong(Instant.parse("2026-12-01T00:00:00Z"))).isFalse();
        assertThat(ClockFloor.NONE.wrong(Instant.EPOCH)).isFalse();
    }

    @Test
    void theBuildsFloorIsTheTimeMavenBuiltItAtAndNotLaterThanNow() {
        // Maven fills version.properties: the build's time, in the past of every test that runs it
        Instant built = Version.builtAt().orElseThrow();
        assertThat(ClockFloor.build().earliest()).isEqualTo(built);
        assertThat(built).isBeforeOrEqualTo(Instant.now());
        assertThat(ClockFloor.build().wrong(Instant.now())).isFalse();
    }
}
