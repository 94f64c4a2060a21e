package io.edgewatch.core.track;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.inference.Box;

class SceneTest {

    private static final long MS = 1_000_000L;
    private static final int W = 1000;
    private static final int H = 500;

    /** A seen object whose bottom centre is at (x, y). */
    private static TrackedObject at(long id, String cls, double x, double y, long nanos) {
        return new TrackedObject(id, cls, TrackState.TRACKED, new Box(x, y - 40, 40, 80), 0.9, 0, nanos);
    }

    private static TrackUpdate frame(long nanos, TrackedObject... objects) {
        return new TrackUpdate(nanos, List.of(objects), List.of(), List.of(), 0);
    }

    private static final LineOptions DOOR = LineOptions.of("door", true, new Point(0.5, 0.0), new Point(0.5, 1.0));

    @Test
    void inIsTheLeftHandSideSeenFromFromToToAsTheFrameIsShown() {
        // the door runs from the top of the frame to its bottom: in is the right half
        Scene scene = new Scene(List.of(), List.of(DOOR));
        List<SceneEvent> events = new ArrayList<>();
        for (int f = 0; f < 20; f++) {
            events.addAll(scene.update(frame(f * 100 * MS, at(1, "person", 400 + 10 * f, 300, f * 100 * MS),
                    at(2, "person", 650 - 10 * f, 200, f * 100 * MS)), W, H));
        }
        SceneWindow.Line door = scene.closeWindow(2000 * MS).lines().get(0);
        assertThat(door.in()).containsEntry("person", 1L).hasSize(1);
        assertThat(door.out()).containsEntry("person", 1L).hasSize(1);
        assertThat(events).filteredOn(e -> e instanceof SceneEvent.LineCrossed)
                .extracting(e -> ((SceneEvent.LineCrossed) e).id() + ":" + ((SceneEvent.LineCrossed) e).in())
                .containsExactlyInAnyOrder("1:true", "2:false");
    }

    @Test
    void jitterOnTheLineAndAnObjectStandingOnItCountNothing() {
        Scene scene = new Scene(List.of(), List.of(DOOR));
        for (int f = 0; f < 300; f++) {
            double x = 500 + ((f % 2 == 0) ? 3 : -3); // within a tenth of its 80 px height
            scene.update(frame(f * 100 * MS, at(1, "person", x, 300, f * 100 * MS)), W, H);
        }
        SceneWindow.Line door = scene.closeWindow(30_000 * MS).lines().get(0);
        assertThat(door.totalIn() + door.totalOut()).isZero();
    }

    @Test
    void goingRoundTheEndOfTheSegmentIsNoCrossing() {
        LineOptions shortLine = LineOptions.of("half", false, new Point(500, 0), new Point(500, 250));
        Scene scene = new Scene(List.of(), List.of(shortLine));
        for (int f = 0; f < 20; f++) {
            scene.update(frame(f * 100 * MS, at(1, "person", 400 + 10 * f, 400, f * 100 * MS)), W, H);
        }
        assertThat(scene.closeWindow(2000 * MS).lines().get(0).totalIn()).isZero();
    }

    @Test
    void backAndForthCountsEachCrossingAndOnlyTheLinesClasses() {
        Scene scene = new Scene(List.of(), List.of(DOOR.withClasses("person")));
        double[] xs = {400, 450, 550, 600, 550, 450, 400, 450, 550, 600};
        for (int f = 0; f < xs.length; f++) {
            scene.update(frame(f * 100 * MS, at(1, "person", xs[f], 300, f * 100 * MS),
                    at(2, "car", xs[f], 100, f * 100 * MS)), W, H);
        }
        SceneWindow.Line door = scene.closeWindow(1000 * MS).lines().get(0);
        assertThat(door.in()).containsOnlyKeys("person").containsEntry("person", 2L);
        assertThat(door.out()).containsOnlyKeys("person").containsEntry("person", 1L);
    }

    private static final ZoneOptions BAY = ZoneOptions.of("bay", true,
            new Point(0.2, 0.2), new Point(0.6, 0.2), new Point(0.6, 0.8), new Point(0.2, 0.8));

    @Test
    void anObjectIsInAfterInertiaFramesInsideAndOutAfterAsManyOutside() {
        Scene scene = new Scene(List.of(BAY.withInertia(3)), List.of());
        // the bay spans x 200..600
        List<SceneEvent> events = new ArrayList<>();
        for (int f = 0; f < 20; f++) {
            events.addAll(scene.update(frame(f * 100 * MS, at(7, "person", 25 + 50 * f, 300, f * 100 * MS)), W, H));
        }
        // inside at x = 225..575: f = 4..11; outside from f = 12
        assertThat(events).hasSize(2);
        // in is said at the third frame inside (f = 6), timed where it crossed x = 200: between f = 3 and 4
        assertThat(events.get(0)).isEqualTo(new SceneEvent.ZoneEntered(350 * MS, "bay", 7, "person"));
        // out is said at the third frame outside (f = 14), timed where it crossed x = 600: between f = 11 and 12
        assertThat(events.get(1)).isEqualTo(new SceneEvent.ZoneExited(1150 * MS, "bay", 7, "person", Duration.ofMillis(800)));
        SceneWindow.Zone bay = scene.closeWindow(2000 * MS).zones().get(0);
        assertThat(bay.entries()).isEqualTo(1);
        assertThat(bay.exits()).isEqualTo(1);
        assertThat(bay.dwell()).isEqualTo(new SceneWindow.Dwell(1, 0.8, 0.8, 0.8));
        assertThat(bay.occupancyMax()).isEqualTo(1);
        // counted in from the update at f = 6 (its third frame inside) to f = 14: 0.8 s of 2 s
        assertThat(bay.occupancyMean()).isCloseTo(0.4, within(1e-9));
        assertThat(bay.openVisits()).isZero();
    }

    @Test
    void aMissedDetectionDoesNotFlipTheZoneAndFlickerBelowInertiaNeverEnters() {
        Scene scene = new Scene(List.of(BAY.withInertia(3)), List.of());
        List<SceneEvent> events = new ArrayList<>();
        long t = 0;
        // in and out every other frame: never three in a row
        for (int f = 0; f < 10; f++, t += 100 * MS) {
            events.addAll(scene.update(frame(t, at(1, "person", f % 2 == 0 ? 300 : 700, 300, t)), W, H));
        }
        assertThat(events).isEmpty();
        for (int f = 0; f < 3; f++, t += 100 * MS) {
            events.addAll(scene.update(frame(t, at(1, "person", 300, 300, t)), W, H));
        }
        assertThat(events).hasSize(1);
        // lost for a while: still in
        for (int f = 0; f < 5; f++, t += 100 * MS) {
            TrackedObject lost = new TrackedObject(1, "person", TrackState.LOST, new Box(300, 260, 40, 80), 0, 0, 0);
            events.addAll(scene.update(new TrackUpdate(t, List.of(lost), List.of(), List.of(), 0), W, H));
        }
        assertThat(events).hasSize(1);
        SceneWindow.Zone bay = scene.closeWindow(t).zones().get(0);
        assertThat(bay.openVisits()).isEqualTo(1);
        // in since it crossed x = 600 between the last 700 and the first of three 300s: a quarter of the way, 0.875 s ago
        assertThat(bay.openAgeMaxSeconds()).isCloseTo(0.875, within(1e-9));
    }

    @Test
    void aRemovedObjectLeavesAtItsLastFrameSeenAndNothingOfItIsKept() {
        Scene scene = new Scene(List.of(BAY.withInertia(1)), List.of(DOOR));
        scene.update(frame(0, at(3, "person", 300, 300, 0)), W, H);
        scene.update(frame(100 * MS, at(3, "person", 310, 300, 100 * MS)), W, H);
        assertThat(scene.heldObjects()).isEqualTo(1);
        TrackedObject gone = new TrackedObject(3, "person", TrackState.REMOVED, new Box(310, 260, 40, 80), 0, 0, 100 * MS);
        List<SceneEvent> events = scene.update(new TrackUpdate(2200 * MS, List.of(), List.of(), List.of(gone), 0), W, H);
        assertThat(events).containsExactly(new SceneEvent.ZoneExited(100 * MS, "bay", 3, "person", Duration.ofMillis(100)));
        assertThat(scene.heldObjects()).isZero();
    }

    @Test
    void loiterOncePerVisitAndCrowdWhenAboveAndBackAgain() {
        Scene scene = new Scene(List.of(BAY.withInertia(1).withLoiter(Duration.ofSeconds(1)).withCrowd(1)), List.of());
        List<SceneEvent> events = new ArrayList<>();
        for (int f = 0; f < 30; f++) {
            long t = f * 100 * MS;
            List<TrackedObject> os = new ArrayList<>();
            os.add(at(1, "person", 300, 300, t));
            if (f >= 5 && f < 10) {
                os.add(at(2, "person", 400, 300, t));
            } else if (f >= 10 && f < 12) {
                os.add(at(2, "person", 800, 300, t));
            }
            events.addAll(scene.update(new TrackUpdate(t, os, List.of(), List.of(), 0), W, H));
        }
        assertThat(events).filteredOn(e -> e instanceof SceneEvent.Loitering)
                .containsExactly(new SceneEvent.Loitering(1000 * MS, "bay", 1, "person", Duration.ofSeconds(1)));
        assertThat(events).filteredOn(e -> e instanceof SceneEvent.Crowd).containsExactly(
                new SceneEvent.Crowd(500 * MS, "bay", 2, true), new SceneEvent.Crowd(1000 * MS, "bay", 1, false));
    }

    @Test
    void countsObjectsSeenAndBegunPerClassPerWindow() {
        Scene scene = new Scene(List.of(), List.of());
        scene.update(new TrackUpdate(0, List.of(at(1, "person", 10, 10, 0), at(2, "car", 50, 50, 0)), List.of(1L, 2L),
                List.of(), 0), W, H);
        scene.update(frame(100 * MS, at(1, "person", 10, 10, 100 * MS)), W, H);
        SceneWindow first = scene.closeWindow(1000 * MS);
        assertThat(first.classes()).containsEntry("person", new SceneWindow.ClassObjects(1, 1))
                .containsEntry("car", new SceneWindow.ClassObjects(1, 1));
        scene.update(new TrackUpdate(1100 * MS, List.of(at(1, "person", 10, 10, 0), at(3, "person", 90, 90, 0)),
                List.of(3L), List.of(), 1), W, H);
        SceneWindow second = scene.closeWindow(2000 * MS);
        assertThat(second.classes()).containsOnlyKeys("person").containsEntry("person", new SceneWindow.ClassObjects(2, 1));
        assertThat(second.fragments()).isEqualTo(1);
        assertThat(second.seconds()).isCloseTo(1.0, within(1e-9));
    }
}
