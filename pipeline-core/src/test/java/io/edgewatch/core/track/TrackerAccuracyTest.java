package io.edgewatch.core.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.testkit.mot.MotMetrics;
import io.edgewatch.testkit.mot.MotRow;
import io.edgewatch.testkit.mot.SyntheticTracks;

/**
 * The tracker against the testkit's synthetic hall (walkers passing each other and a pillar that hides them for
 * about a second, dropped and low-confidence detections, jitter, false boxes), scored with MOTA and IDF1.
 */
class TrackerAccuracyTest {

    /** What the tracker said: its MOT rows (tracks seen in each frame) and the result. */
    record Run(SyntheticTracks.Sequence sequence, List<MotRow> rows, MotMetrics.Result result) {
    }

    static Run run(SyntheticTracks.Scenario scenario, TrackerOptions options) {
        SyntheticTracks.Sequence s = SyntheticTracks.generate(scenario);
        Tracker tracker = Tracker.create(options);
        List<MotRow> rows = new ArrayList<>();
        for (SyntheticTracks.Frame f : s.frames()) {
            TrackUpdate u = tracker.update(nanos(f), s.scenario().width(), s.scenario().height(), detections(f));
            for (TrackedObject o : u.objects()) {
                if (o.seen()) {
                    Box b = o.box();
                    rows.add(MotRow.of(f.number(), o.id(), b.left(), b.top(), b.width(), b.height()));
                }
            }
        }
        return new Run(s, rows, MotMetrics.evaluate(s.truth(), rows));
    }

    static long nanos(SyntheticTracks.Frame f) {
        return Math.round(f.seconds() * 1e9);
    }

    static List<Prediction> detections(SyntheticTracks.Frame f) {
        List<Prediction> out = new ArrayList<>(f.detections().size());
        for (SyntheticTracks.Detection d : f.detections()) {
            out.add(Prediction.detection(d.className(), d.confidence(), Box.fromCorner(d.left(), d.top(), d.width(), d.height())));
        }
        return out;
    }

    /** The figures, printed for the record: both scenarios at 30, 10 and 5 fps, five seeds each. */
    @ParameterizedTest
    @ValueSource(ints = {30, 10, 5})
    void figures(int fps) {
        for (long seed = 1; seed <= 5; seed++) {
            for (SyntheticTracks.Scenario sc : List.of(SyntheticTracks.occlusion(fps, 60, seed), SyntheticTracks.hall(fps, 60, seed))) {
                Run r = run(sc, TrackerOptions.defaults());
                System.out.printf(Locale.ROOT, "tracking %-9s %2d fps seed %d: %s%n", sc.name(), fps, seed, r.result());
            }
        }
    }

    /**
     * The occlusion case at 10 fps: every walker hidden by the pillar for about a second, people passing in front
     * of each other, 5 % of detections dropped, low boxes for the half hidden, jitter, false boxes.
     */
    @Test
    void throughTheOcclusionAtTenFpsIdf1IsAtLeastNinetyPercentAndNoIdSwitches() {
        for (long seed = 1; seed <= 5; seed++) {
            MotMetrics.Result r = run(SyntheticTracks.occlusion(10, 60, seed), TrackerOptions.defaults()).result();
            assertThat(r.idf1()).as("seed %d: %s", seed, r).isGreaterThanOrEqualTo(0.9);
            assertThat(r.idSwitches()).as("seed %d: %s", seed, r).isZero();
        }
    }

    /**
     * The hall's harder crossings (people passing at nearly the same depth, wholly hiding each other, which boxes
     * and motion alone cannot always tell apart) at every rate: IDF1 stays at or above 0.9.
     */
    @ParameterizedTest
    @ValueSource(ints = {30, 10, 5})
    void inTheHallIdf1StaysAtOrAboveNinetyPercent(int fps) {
        for (long seed = 1; seed <= 3; seed++) {
            MotMetrics.Result r = run(SyntheticTracks.hall(fps, 60, seed), TrackerOptions.defaults()).result();
            assertThat(r.idf1()).as("%d fps seed %d: %s", fps, seed, r).isGreaterThanOrEqualTo(0.9);
        }
    }

    private static final int W = 1280;
    private static final int H = 720;
    private static final LineOptions DOOR = LineOptions.of("door", true, new Point(0.3, 0.0), new Point(0.3, 1.0));
    private static final double[] BAY = {800, 300, 1100, 300, 1100, 720, 800, 720};
    private static final ZoneOptions BAY_ZONE = ZoneOptions.of("bay", false,
            new Point(800, 300), new Point(1100, 300), new Point(1100, 720), new Point(800, 720));

    /**
     * Line crossings by class and direction and zone entries are exactly those of the ground truth, and each
     * visit's dwell is within one frame of the true one at 10 and 5 fps. At 30 fps, within two: the detector's
     * 2 px of jitter alone moves a boundary crossing of a walker at 90 px/s by about 20 ms, most of a 33 ms frame.
     */
    @ParameterizedTest
    @ValueSource(ints = {30, 10, 5})
    void lineCountsAndZoneEntriesAreTheGroundTruthsAndDwellIsWithinOneFrame(int fps) {
        for (long seed = 1; seed <= 3; seed++) {
            SyntheticTracks.Sequence s = SyntheticTracks.generate(SyntheticTracks.occlusion(fps, 60, seed));
            Tracker tracker = Tracker.create(TrackerOptions.defaults());
            Scene scene = new Scene(List.of(BAY_ZONE), List.of(DOOR));
            List<SceneEvent> events = new ArrayList<>();
            for (SyntheticTracks.Frame f : s.frames()) {
                events.addAll(scene.update(tracker.update(nanos(f), W, H, detections(f)), W, H));
            }
            // the walkers still in the frame at the end: what lost_after would remove, removed now
            long end = nanos(s.frames().get(s.frames().size() - 1)) + 3_000_000_000L;
            events.addAll(scene.update(tracker.update(end, W, H, List.of()), W, H));
            SceneWindow w = scene.closeWindow(end);

            SyntheticTracks.Crossings truth = s.lineCrossings(0.3 * W, 0, 0.3 * W, H);
            SceneWindow.Line door = w.lines().get(0);
            assertThat(door.in()).as("%d fps seed %d in", fps, seed).isEqualTo(longs(truth.in()));
            assertThat(door.out()).as("%d fps seed %d out", fps, seed).isEqualTo(longs(truth.out()));
            assertThat(truth.total()).isGreaterThan(30);

            List<SyntheticTracks.Visit> visits = s.zoneVisits(BAY);
            SceneWindow.Zone bay = w.zones().get(0);
            assertThat(bay.entries()).as("%d fps seed %d entries", fps, seed).isEqualTo(visits.size());
            assertThat(bay.exits()).isEqualTo(visits.size());
            // each visit against the true one of the same class nearest to it in time (entry and exit), one to one
            List<SceneEvent.ZoneExited> exits = events.stream().filter(e -> e instanceof SceneEvent.ZoneExited)
                    .map(e -> (SceneEvent.ZoneExited) e).toList();
            List<SyntheticTracks.Visit> left = new ArrayList<>(visits);
            double frame = 1.0 / fps;
            double worst = 0;
            for (SceneEvent.ZoneExited x : exits) {
                double to = x.timeNanos() / 1e9;
                double from = to - x.dwell().toNanos() / 1e9;
                SyntheticTracks.Visit v = left.stream().filter(t -> t.className().equals(x.className()))
                        .min(Comparator.comparingDouble(t -> Math.abs(t.fromSeconds() - from) + Math.abs(t.toSeconds() - to)))
                        .orElseThrow();
                left.remove(v);
                worst = Math.max(worst, Math.abs(v.seconds() - x.dwell().toNanos() / 1e9));
            }
            System.out.printf(Locale.ROOT, "tracking zones %2d fps seed %d: %d crossings, %d visits, worst dwell error %.3f s (a frame is %.3f s)%n",
                    fps, seed, truth.total(), visits.size(), worst, frame);
            assertThat(worst).as("%d fps seed %d", fps, seed).isLessThanOrEqualTo((fps >= 30 ? 2 : 1) * frame + 1e-6);
        }
    }

    private static Map<String, Long> longs(Map<String, Integer> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, (long) v));
        return out;
    }
}
