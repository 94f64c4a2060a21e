package io.edgewatch.core.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;

class TrackerTest {

    private static final long MS = 1_000_000L;

    private static Prediction person(double x, double y, double confidence) {
        return Prediction.detection("person", confidence, new Box(x, y, 40, 80));
    }

    private static List<Long> ids(TrackUpdate u) {
        return u.objects().stream().filter(TrackedObject::seen).map(TrackedObject::id).toList();
    }

    @Test
    void aTrackCountsAfterMinFramesAndKeepsItsIdWhileItMoves() {
        Tracker t = Tracker.create(TrackerOptions.defaults().withMinFrames(3));
        assertThat(t.update(0, List.of(person(100, 100, 0.9))).objects()).isEmpty();
        assertThat(t.update(100 * MS, List.of(person(105, 100, 0.9))).objects()).isEmpty();
        TrackUpdate third = t.update(200 * MS, List.of(person(110, 100, 0.9)));
        assertThat(ids(third)).containsExactly(1L);
        assertThat(third.begun()).containsExactly(1L);
        for (int f = 3; f < 30; f++) {
            TrackUpdate u = t.update(f * 100 * MS, List.of(person(100 + 5 * f, 100, 0.9)));
            assertThat(ids(u)).containsExactly(1L);
            assertThat(u.begun()).isEmpty();
        }
        assertThat(t.lastId()).isEqualTo(1);
    }

    @Test
    void aNewTrackMissedOnceIsDroppedWithoutAnId() {
        Tracker t = Tracker.create(TrackerOptions.defaults());
        t.update(0, List.of(person(100, 100, 0.9)));
        t.update(100 * MS, List.of());
        assertThat(t.liveTracks()).isZero();
        t.update(200 * MS, List.of(person(100, 100, 0.9)));
        assertThat(ids(t.update(300 * MS, List.of(person(100, 100, 0.9))))).containsExactly(1L);
    }

    @Test
    void aLostTrackIsKeptForLostAfterInTimeWhateverTheFrameRate() {
        for (int fps : new int[] {1, 5, 30}) {
            Tracker t = Tracker.create(TrackerOptions.defaults().withLostAfter(Duration.ofSeconds(2)));
            long step = 1000 * MS / fps;
            long now = 0;
            for (int f = 0; f < 3; f++, now += step) {
                t.update(now, List.of(person(100, 100, 0.9)));
            }
            long lastSeen = now - step;
            // unseen up to 2 s after it was last seen: kept (lost)
            while (now - lastSeen <= 2000 * MS) {
                TrackUpdate u = t.update(now, List.of());
                assertThat(u.objects()).as("%d fps at %d ms", fps, (now - lastSeen) / MS)
                        .singleElement().extracting(TrackedObject::state).isEqualTo(TrackState.LOST);
                now += step;
            }
            TrackUpdate gone = t.update(now, List.of());
            assertThat(gone.objects()).isEmpty();
            assertThat(gone.removed()).singleElement().extracting(TrackedObject::id).isEqualTo(1L);
            assertThat(t.liveTracks()).isZero();
            // the same place again: a new object, a new id
            t.update(now + step, List.of(person(100, 100, 0.9)));
            assertThat(ids(t.update(now + 2 * step, List.of(person(100, 100, 0.9))))).containsExactly(2L);
        }
    }

    @Test
    void aLostTrackFoundAgainKeepsItsIdAndCountsAFragment() {
        Tracker t = Tracker.create(TrackerOptions.defaults());
        long now = 0;
        for (int f = 0; f < 10; f++, now += 100 * MS) {
            t.update(now, List.of(person(100 + 10 * f, 100, 0.9)));
        }
        for (int f = 10; f < 15; f++, now += 100 * MS) { // hidden half a second, still walking
            t.update(now, List.of());
        }
        TrackUpdate back = t.update(now, List.of(person(100 + 10 * 15, 100, 0.9)));
        assertThat(ids(back)).containsExactly(1L);
        assertThat(back.refound()).isEqualTo(1);
    }

    @Test
    void aTrackNeverTakesADetectionOfAnotherClass() {
        Tracker t = Tracker.create(TrackerOptions.defaults());
        t.update(0, List.of(person(100, 100, 0.9)));
        t.update(100 * MS, List.of(person(100, 100, 0.9)));
        TrackUpdate u = t.update(200 * MS, List.of(Prediction.detection("forklift", 0.9, new Box(100, 100, 40, 80))));
        assertThat(u.objects()).singleElement().satisfies(o -> {
            assertThat(o.className()).isEqualTo("person");
            assertThat(o.state()).isEqualTo(TrackState.LOST);
        });
        TrackUpdate v = t.update(300 * MS, List.of(Prediction.detection("forklift", 0.9, new Box(100, 100, 40, 80))));
        assertThat(v.objects()).filteredOn(TrackedObject::seen).singleElement().satisfies(o -> {
            assertThat(o.className()).isEqualTo("forklift");
            assertThat(o.id()).isEqualTo(2L);
        });
    }

    @Test
    void aLowConfidenceDetectionContinuesATrackButNeverStartsOne() {
        Tracker t = Tracker.create(TrackerOptions.defaults());
        for (int f = 0; f < 5; f++) {
            t.update(f * 100 * MS, List.of(person(100, 100, 0.15)));
        }
        assertThat(t.liveTracks()).isZero();
        t.update(500 * MS, List.of(person(100, 100, 0.9)));
        t.update(600 * MS, List.of(person(100, 100, 0.9)));
        TrackUpdate low = t.update(700 * MS, List.of(person(101, 100, 0.15)));
        assertThat(low.objects()).singleElement().satisfies(o -> {
            assertThat(o.state()).isEqualTo(TrackState.TRACKED);
            assertThat(o.confidence()).isEqualTo(0.15);
        });
        // below the floor: nothing
        assertThat(t.update(800 * MS, List.of(person(101, 100, 0.05))).objects())
                .singleElement().extracting(TrackedObject::state).isEqualTo(TrackState.LOST);
    }

    @Test
    void twoObjectsPassingEachOtherKeepTheirIds() {
        Tracker t = Tracker.create(TrackerOptions.defaults());
        long a = 0;
        long b = 0;
        for (int f = 0; f < 40; f++) {
            double ax = 100 + 10 * f;
            double bx = 500 - 10 * f;
            TrackUpdate u = t.update(f * 100 * MS, List.of(person(ax, 100, 0.9), person(bx, 110, 0.8)));
            for (TrackedObject o : u.objects()) {
                if (Math.abs(o.box().x() - ax) < 1 && o.box().y() == 100) {
                    a = a == 0 ? o.id() : a;
                    assertThat(o.id()).isEqualTo(a);
                } else {
                    b = b == 0 ? o.id() : b;
                    assertThat(o.id()).isEqualTo(b);
                }
            }
        }
        assertThat(t.lastId()).isEqualTo(2);
    }
}
