package io.edgewatch.core.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SceneGeometryTest {

    private static ZoneOptions zone(String name, Point... points) {
        // the options themselves refuse fewer than 3 points: build what a reader would, before it checks
        return new ZoneOptions(name, List.of(points), SceneGeometry.relative(List.of(points)), Set.of(), Anchor.BOTTOM_CENTER,
                3, Duration.ZERO, 0);
    }

    private static final ZoneOptions BAY = zone("bay", new Point(0.1, 0.5), new Point(0.6, 0.5), new Point(0.6, 1.0),
            new Point(0.1, 1.0));

    @Test
    void theIssuesExampleHasNoProblem() {
        LineOptions door = LineOptions.of("door", true, new Point(0.5, 0.0), new Point(0.5, 1.0));
        assertThat(SceneGeometry.problems(List.of(BAY), List.of(door), 0, 0)).isEmpty();
    }

    @Test
    void aPolygonThatCrossesItselfIsAProblem() {
        ZoneOptions bowtie = zone("bowtie", new Point(0.1, 0.1), new Point(0.5, 0.5), new Point(0.5, 0.1), new Point(0.1, 0.5));
        assertThat(SceneGeometry.problems(List.of(bowtie), List.of(), 0, 0)).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("polygon");
            assertThat(p.message()).isEqualTo("the polygon crosses itself: its edge from point 1 to 2 meets the one from point 3 to 4");
        });
    }

    @Test
    void pointsOutsideTheFrameAreProblemsEachByItsPlace() {
        ZoneOptions pixels = zone("pixels", new Point(100, 100), new Point(700, 100), new Point(700, 500), new Point(-5, 500));
        List<SceneGeometry.Problem> known = SceneGeometry.problems(List.of(pixels), List.of(), 640, 480);
        assertThat(known).extracting(SceneGeometry.Problem::point).containsExactly(1, 2, 3);
        assertThat(known.get(0).message()).isEqualTo("point 2 (700, 100) is outside the frame (0..640 x 0..480 pixels)");
        // the frame's size unknown: only the negative one
        assertThat(SceneGeometry.problems(List.of(pixels), List.of(), 0, 0)).extracting(SceneGeometry.Problem::point)
                .containsExactly(3);
        LineOptions far = new LineOptions("far", new Point(0.5, 0), new Point(0.5, 1.5), true, Set.of(), Anchor.BOTTOM_CENTER);
        assertThat(SceneGeometry.problems(List.of(), List.of(far), 0, 0)).singleElement()
                .satisfies(p -> assertThat(p.field()).isEqualTo("to"));
    }

    @Test
    void fewerThanThreePointsAndNoAreaAreProblems() {
        assertThat(SceneGeometry.polygon(0, List.of(new Point(0, 0), new Point(1, 1)), true, 0, 0)).singleElement()
                .extracting(SceneGeometry.Problem::message).isEqualTo("a polygon needs at least 3 points, this one has 2");
        ZoneOptions flat = zone("flat", new Point(0.1, 0.1), new Point(0.5, 0.1), new Point(0.9, 0.1));
        assertThat(SceneGeometry.problems(List.of(flat), List.of(), 0, 0)).singleElement()
                .extracting(SceneGeometry.Problem::message).isEqualTo("the polygon encloses no area (its points are on one line)");
    }

    @Test
    void aNameUsedTwiceAmongZonesAndLinesIsAProblem() {
        LineOptions bay = LineOptions.of("bay", true, new Point(0.5, 0.0), new Point(0.5, 1.0));
        assertThat(SceneGeometry.problems(List.of(BAY, BAY), List.of(bay), 0, 0))
                .extracting(p -> p.kind() + " " + p.index() + " " + p.field())
                .containsExactly("zone 1 name", "line 0 name");
    }

    @Test
    void relativeIsWhenEveryCoordinateIsWithinZeroToOne() {
        assertThat(SceneGeometry.relative(BAY.polygon())).isTrue();
        assertThat(SceneGeometry.relative(List.of(new Point(0.5, 0.5), new Point(640, 0)))).isFalse();
    }
}
