package io.edgewatch.testkit.mot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class SyntheticTracksTest {

    @Test
    void theSameSeedGivesTheSameSequence() {
        SyntheticTracks.Sequence a = SyntheticTracks.generate(SyntheticTracks.hall(10, 20, 3));
        SyntheticTracks.Sequence b = SyntheticTracks.generate(SyntheticTracks.hall(10, 20, 3));
        assertThat(a.frames()).hasSize(200).isEqualTo(b.frames());
        assertThat(a.truthLines().get(0)).matches("1,\\d+,[0-9.]+,[0-9.]+,40.00,100.00,1,-1,-1,-1|1,\\d+,.*");
    }

    @Test
    void theGroundTruthScoresPerfectlyAgainstItself() {
        SyntheticTracks.Sequence s = SyntheticTracks.generate(SyntheticTracks.hall(10, 60, 5));
        List<MotRow> truth = s.truth();
        List<MotRow> asTracker = truth.stream().filter(MotRow::consider)
                .map(r -> MotRow.of(r.frame(), r.id() + 100, r.left(), r.top(), r.width(), r.height())).toList();
        MotMetrics.Result r = MotMetrics.evaluate(truth, asTracker);
        assertThat(r.mota()).isEqualTo(1.0);
        assertThat(r.idf1()).isEqualTo(1.0);
        assertThat(r.gtIds()).isGreaterThan(15);
    }

    @Test
    void thePillarHidesEachWalkerForAboutASecondAndWalkersPassInFrontOfEachOther() {
        SyntheticTracks.Sequence s = SyntheticTracks.generate(SyntheticTracks.hall(10, 60, 5));
        Map<Long, Integer> hiddenByPillar = new HashMap<>();
        Set<Long> left = new HashSet<>();
        Set<Long> right = new HashSet<>();
        long hiddenByOthers = 0;
        for (SyntheticTracks.Frame f : s.frames()) {
            for (int i = 0; i < f.truth().size(); i++) {
                MotRow r = f.truth().get(i);
                double cx = r.left() + r.width() / 2;
                if (cx < 570) {
                    left.add(r.id());
                } else if (cx > 710) {
                    right.add(r.id());
                }
                if (f.visibility().get(i) < 0.3) {
                    if (cx > 570 && cx < 710) {
                        hiddenByPillar.merge(r.id(), 1, Integer::sum);
                    } else {
                        hiddenByOthers++;
                    }
                }
            }
        }
        left.retainAll(right);
        Set<Long> people = s.truth().stream().filter(r -> r.className().equals("person")).map(MotRow::id)
                .collect(Collectors.toSet());
        left.retainAll(people);
        assertThat(left).hasSizeGreaterThan(5);
        // people who walked past the pillar: 0.6 to 1.4 s hidden (6 to 14 frames at 10 fps; 90 to 150 px/s)
        assertThat(left).allSatisfy(id -> assertThat(hiddenByPillar.getOrDefault(id, 0)).isBetween(6, 14));
        assertThat(hiddenByOthers).isPositive();
    }

    @Test
    void crossingsAndVisitsOfTheTrueBoxes() {
        SyntheticTracks.Sequence s = SyntheticTracks.generate(SyntheticTracks.hall(10, 60, 5));
        SyntheticTracks.Crossings c = s.lineCrossings(384, 0, 384, 720);
        // walkers going right (odd ids) cross from the left, the "out" side of a line drawn downwards, to "in"
        assertThat(c.in().values().stream().mapToInt(Integer::intValue).sum()).isPositive();
        assertThat(c.out().values().stream().mapToInt(Integer::intValue).sum()).isPositive();
        assertThat(s.zoneVisits(800, 350, 1100, 350, 1100, 720, 800, 720)).isNotEmpty()
                .allSatisfy(v -> assertThat(v.seconds()).isPositive());
    }
}
