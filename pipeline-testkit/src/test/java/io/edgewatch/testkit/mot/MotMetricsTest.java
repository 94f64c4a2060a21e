package io.edgewatch.testkit.mot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class MotMetricsTest {

    private static MotRow box(int frame, long id, double left) {
        return MotRow.of(frame, id, left, 100, 40, 100);
    }

    /** roboflow/trackers' test_clear case: one object, tracker ids 10, 20, 20. */
    @Test
    void oneObjectTrackedAsTenThenTwentyIsThreeMatchesAndOneSwitch() {
        List<MotRow> gt = List.of(box(1, 1, 0), box(2, 1, 10), box(3, 1, 20));
        List<MotRow> tr = List.of(box(1, 10, 0), box(2, 20, 10), box(3, 20, 20));
        MotMetrics.Result r = MotMetrics.evaluate(gt, tr);
        assertThat(r.tp()).isEqualTo(3);
        assertThat(r.idSwitches()).isEqualTo(1);
        assertThat(r.mota()).isCloseTo(1 - 1 / 3.0, within(1e-12));
        // identity: object 1 is tracker 20 (2 frames): IDTP 2, IDFP 1, IDFN 1
        assertThat(r.idtp()).isEqualTo(2);
        assertThat(r.idf1()).isCloseTo(4 / 6.0, within(1e-12));
    }

    /**
     * Two objects, four frames. A is tracked as 7 in frames 1–2, then as 8; B as 9 in frames 1–3 and missed in 4;
     * a false box in frame 2. By hand: GT 8, TP 7, FN 1, FP 1, IDSW 1, MOTA 1 − 3/8 = 0.625; identity pairs
     * (A,7) 2, (A,8) 2, (B,9) 3, so IDTP 5, IDFP 8 − 5 = 3, IDFN 8 − 5 = 3, IDF1 10/16 = 0.625.
     */
    @Test
    void aSwitchAMissAndAFalseBoxByHand() {
        List<MotRow> gt = new ArrayList<>();
        List<MotRow> tr = new ArrayList<>();
        for (int f = 1; f <= 4; f++) {
            gt.add(box(f, 1, 100 + 5 * f));
            gt.add(box(f, 2, 500 - 5 * f));
            tr.add(box(f, f <= 2 ? 7 : 8, 101 + 5 * f));
            if (f <= 3) {
                tr.add(box(f, 9, 499 - 5 * f));
            }
        }
        tr.add(box(2, 10, 900));
        MotMetrics.Result r = MotMetrics.evaluate(gt, tr);
        assertThat(r.gt()).isEqualTo(8);
        assertThat(r.tp()).isEqualTo(7);
        assertThat(r.fn()).isEqualTo(1);
        assertThat(r.fp()).isEqualTo(1);
        assertThat(r.idSwitches()).isEqualTo(1);
        assertThat(r.mota()).isCloseTo(0.625, within(1e-12));
        assertThat(r.idtp()).isEqualTo(5);
        assertThat(r.idfp()).isEqualTo(3);
        assertThat(r.idfn()).isEqualTo(3);
        assertThat(r.idf1()).isCloseTo(0.625, within(1e-12));
    }

    @Test
    void aBoxBelowHalfOverlapIsAMissAndAFalseBox() {
        MotMetrics.Result r = MotMetrics.evaluate(List.of(box(1, 1, 0)), List.of(box(1, 5, 20))); // IoU 20/60
        assertThat(r.tp()).isZero();
        assertThat(r.fp()).isEqualTo(1);
        assertThat(r.fn()).isEqualTo(1);
        assertThat(r.mota()).isCloseTo(-1.0, within(1e-12));
    }

    @Test
    void rowsNotConsideredAreNeitherMissedNorFalseWhenFound() {
        MotRow hidden = new MotRow(1, 2, 300, 100, 40, 100, false, "person");
        MotRow hiddenToo = new MotRow(2, 2, 305, 100, 40, 100, false, "person");
        List<MotRow> gt = List.of(box(1, 1, 0), hidden, box(2, 1, 5), hiddenToo);
        // the hidden object found in frame 1, not in frame 2
        List<MotRow> tr = List.of(box(1, 3, 0), box(1, 4, 300), box(2, 3, 5));
        MotMetrics.Result r = MotMetrics.evaluate(gt, tr);
        assertThat(r.gt()).isEqualTo(2);
        assertThat(r.tp()).isEqualTo(2);
        assertThat(r.fp()).isZero();
        assertThat(r.fn()).isZero();
        assertThat(r.mota()).isEqualTo(1.0);
        assertThat(r.idf1()).isEqualTo(1.0);
    }

    @Test
    void aPairMatchedInThePreviousFrameIsKeptOverABetterOverlap() {
        // tracker 5 follows the object; in frame 2 tracker 6 overlaps it better, yet 5 still matches: no switch
        List<MotRow> gt = List.of(box(1, 1, 0), box(2, 1, 0));
        List<MotRow> tr = List.of(box(1, 5, 0), box(2, 5, 8), box(2, 6, 1));
        MotMetrics.Result r = MotMetrics.evaluate(gt, tr);
        assertThat(r.idSwitches()).isZero();
        assertThat(r.tp()).isEqualTo(2);
        assertThat(r.fp()).isEqualTo(1);
    }

    @Test
    void readsWhatItWrites() {
        MotRow r = new MotRow(12, 3, 10.5, 20.25, 40, 100, false, "");
        assertThat(r.line()).isEqualTo("12,3,10.50,20.25,40.00,100.00,0,-1,-1,-1");
        assertThat(MotRow.parse(r.line())).isEqualTo(r);
    }
}
