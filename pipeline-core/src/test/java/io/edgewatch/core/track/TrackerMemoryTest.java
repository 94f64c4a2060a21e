package io.edgewatch.core.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;

/**
 * A simulated day of a busy camera at 2 fps: 200 places, each showing an object for 2 s and then nothing for 3 s
 * (longer than lost_after), so that every object is a new id: 3.4 million ids in 24 h. The tracker and the scene
 * must hold only what is alive, all day, and nothing once the picture is empty.
 */
class TrackerMemoryTest {

    private static final int PLACES = 200;
    private static final int ON = 4;
    private static final int CYCLE = 10;

    @Test
    void aDayOfMillionsOfIdsEndsWithOnlyTheLiveTracksHeld() {
        Tracker tracker = Tracker.create(TrackerOptions.defaults());
        Scene scene = new Scene(
                List.of(ZoneOptions.of("left", true, new Point(0, 0), new Point(0.5, 0), new Point(0.5, 1), new Point(0, 1))),
                List.of(LineOptions.of("middle", true, new Point(0.5, 0), new Point(0.5, 1))));
        long step = 500_000_000L;
        long frames = 24L * 3600 * 2;
        int mostHeld = 0;
        int mostObjects = 0;
        // the frames repeat every CYCLE: made once
        List<List<Prediction>> cycle = new ArrayList<>();
        for (int f = 0; f < CYCLE; f++) {
            List<Prediction> detections = new ArrayList<>(PLACES);
            for (int p = 0; p < PLACES; p++) {
                // each place on its own phase, so that objects come and go every frame
                if ((f + p) % CYCLE < ON) {
                    double x = 32 + 64 * (p % 20);
                    double y = 36 + 72 * (p / 20) + (f % 2); // a pixel of movement
                    detections.add(Prediction.detection("c" + p % 5, 0.9, new Box(x, y, 30, 60)));
                }
            }
            cycle.add(detections);
        }
        long now = 0;
        for (long f = 0; f < frames; f++, now += step) {
            List<Prediction> detections = cycle.get((int) (f % CYCLE));
            TrackUpdate u = tracker.update(now, 1280, 720, detections);
            scene.update(u, 1280, 720);
            mostHeld = Math.max(mostHeld, tracker.liveTracks());
            mostObjects = Math.max(mostObjects, scene.heldObjects());
            if (f % 7200 == 0) {
                scene.closeWindow(now);
            }
        }
        assertThat(tracker.lastId()).isGreaterThan(3_000_000);
        // alive at once: the 80 shown and the lost ones of the last 2 s (one a place at most)
        assertThat(mostHeld).isLessThanOrEqualTo(PLACES);
        assertThat(mostObjects).isLessThanOrEqualTo(PLACES);
        int live = tracker.liveTracks();
        assertThat(scene.heldObjects()).isLessThanOrEqualTo(live);
        // the picture empties: once lost_after has passed, nothing is held
        for (int f = 0; f < 6; f++, now += step) {
            scene.update(tracker.update(now, 1280, 720, List.of()), 1280, 720);
        }
        assertThat(tracker.liveTracks()).isZero();
        assertThat(scene.heldObjects()).isZero();
        System.out.printf("tracking memory: %d frames, %d ids, at most %d tracks and %d scene objects held, %d at the end%n",
                frames, tracker.lastId(), mostHeld, mostObjects, tracker.liveTracks());
    }
}
