package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.track.Anchor;
import io.edgewatch.core.track.LineOptions;
import io.edgewatch.core.track.Point;
import io.edgewatch.core.track.TrackerOptions;
import io.edgewatch.core.track.ZoneOptions;

class TrackingReaderTest {

    @TempDir
    Path dir;

    private static final String MAIN = "sinks:\n  jsonl:\n    path: out/r.jsonl\n";

    private void camera(String yaml) throws Exception {
        Files.writeString(dir.resolve("edgewatch.yaml"), MAIN);
        Files.createDirectories(dir.resolve("cameras"));
        Files.writeString(dir.resolve("cameras/a.yaml"), "id: a\nsource: {type: test_pattern}\ninference: {type: motion}\n" + yaml);
    }

    private List<String> errors() {
        return catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(Map.of()).read(dir)).errors().stream()
                .map(ConfigError::toString).toList();
    }

    @Test
    void theIssuesExampleIsReadAsWritten() throws Exception {
        camera("""
                tracking:
                  enabled: true
                  activation: 0.25
                  match_iou: 0.2
                  lost_after: 2s
                  min_frames: 2
                zones:
                  - name: bay
                    polygon: [[0.1, 0.5], [0.6, 0.5], [0.6, 1.0], [0.1, 1.0]]
                    classes: [person, forklift]
                    anchor: bottom_center
                    inertia: 3
                    loiter: 60s
                    crowd: 10
                  - name: pixels
                    polygon: [[100, 100], [300, 100], [300, 400]]
                lines:
                  - name: door
                    from: [0.5, 0.0]
                    to: [0.5, 1.0]
                    classes: [person]
                """);
        TrackingConfig t = new ConfigLoader(Map.of()).read(dir).cameras().get(0).tracking();
        assertThat(t.tracker()).isEqualTo(new TrackerOptions(0.25, 0.2, Duration.ofSeconds(2), 2));
        assertThat(t.zones()).containsExactly(
                new ZoneOptions("bay", List.of(new Point(0.1, 0.5), new Point(0.6, 0.5), new Point(0.6, 1.0), new Point(0.1, 1.0)),
                        true, Set.of("person", "forklift"), Anchor.BOTTOM_CENTER, 3, Duration.ofSeconds(60), 10),
                new ZoneOptions("pixels", List.of(new Point(100, 100), new Point(300, 100), new Point(300, 400)), false, Set.of(),
                        Anchor.BOTTOM_CENTER, 3, Duration.ZERO, 0));
        assertThat(t.lines()).containsExactly(new LineOptions("door", new Point(0.5, 0.0), new Point(0.5, 1.0), true,
                Set.of("person"), Anchor.BOTTOM_CENTER));
    }

    @Test
    void aCameraWithoutTrackingHasNone() throws Exception {
        camera("");
        assertThat(new ConfigLoader(Map.of()).read(dir).cameras().get(0).tracking()).isNull();
        camera("tracking: {enabled: false}\n");
        assertThat(new ConfigLoader(Map.of()).read(dir).cameras().get(0).tracking()).isNull();
    }

    @Test
    void badPolygonsLinesAndNamesAreErrorsAtTheirLineAndColumn() throws Exception {
        camera("""
                tracking:
                  min_frame: 2
                zones:
                  - name: two
                    polygon: [[0.1, 0.1], [0.5, 0.5]]
                  - name: bowtie
                    polygon: [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]]
                  - name: out
                    polygon: [[0.1, 0.1], [0.5, 0.1], [0.5, -0.5]]
                  - name: door
                    polygon: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]
                    anchor: feet
                  - name: words
                    polygon: [[0.1, 0.1], [0.5], "x"]
                lines:
                  - name: door
                    from: [0.5, 0.0]
                    to: [0.5, 1.0]
                  - name: nowhere
                    from: [0.5, 0.5]
                    to: [0.5, 0.5]
                """);
        List<String> messages = errors();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:8:14: zones[].polygon: a polygon needs at least 3 points,"
                + " this one has 2"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:10:14: zones[].polygon: the polygon crosses itself: its"
                + " edge from point 1 to 2 meets the one from point 3 to 4"));
        // pixels, as -0.5 is outside 0..1: the negative point
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:12:39: zones[].polygon: point 3 (0.5, -0.5) is outside the"
                + " frame"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:15:13: zones[].anchor: 'feet' is not one of bottom_center,"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:17:27: zones[].polygon: expected a point [x, y] (two"
                + " numbers), found a list"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:19:11: lines[].name: the name 'door' is used twice in this"
                + " camera"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:24:9: lines[].to: the line's ends are the same point"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:5:3: tracking.min_frame: unknown key"));
    }

    @Test
    void zonesWithoutTrackingAreAnError() throws Exception {
        camera("""
                lines:
                  - name: door
                    from: [0.5, 0.0]
                    to: [0.5, 1.0]
                """);
        assertThat(errors()).anySatisfy(m -> assertThat(m).contains("a.yaml:5:3: lines: zones and lines count tracked objects: set"
                + " tracking.enabled: true"));
    }
}
