package io.edgewatch.sink.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;

class SampleStoreTest {

    @TempDir
    Path dir;

    private static Sample sample(String camera, int i) {
        Instant at = Instant.parse("2026-12-02T10:00:00Z").plusSeconds(i);
        return new Sample(Sample.id(at, i), camera, at, "s", List.of("t"), "m/1", "inf", 64, 48,
                List.of(Prediction.detection("person", 0.5, new Box(10, 10, 4, 4)), Prediction.of("cat", 0.7)));
    }

    @Test
    void keepsSamplesNewestFirstAndEvictsTheOldestPastItsBoundAcrossARestart() {
        SampleStore store = SampleStore.open(dir, 20_000);
        byte[] image = new byte[3_000];
        for (int i = 0; i < 4; i++) {
            store.accept(sample(i % 2 == 0 ? "a" : "b", i), image);
        }
        assertThat(store.list("a", 10)).extracting(Sample::id).containsExactly(sample("a", 2).id(), sample("a", 0).id());
        Sample back = store.list("b", 10).get(1);
        assertThat(back).isEqualTo(sample("b", 1));
        assertThat(store.image("b", back.id())).hasValueSatisfying(b -> assertThat(b).hasSize(3_000));
        for (int i = 4; i < 10; i++) {
            store.accept(sample("a", i), image);
        }
        long[] stats = store.stats();
        assertThat(stats[1]).isLessThanOrEqualTo(20_000);
        assertThat(stats[2]).isPositive();
        // the oldest went first, whichever camera it was of
        assertThat(store.list("b", 10)).isEmpty();
        assertThat(store.list("a", 100).get(0).id()).isEqualTo(sample("a", 9).id());

        SampleStore again = SampleStore.open(dir, 20_000);
        assertThat(again.list("a", 100)).extracting(Sample::id).isEqualTo(store.list("a", 100).stream().map(Sample::id).toList());
        // a smaller bound at the next start evicts at once
        SampleStore smaller = SampleStore.open(dir, 7_000);
        assertThat(smaller.stats()[1]).isLessThanOrEqualTo(7_000);
        assertThat(smaller.list("a", 100)).hasSize((int) smaller.stats()[0]);
    }

    @Test
    void namesThatCouldLeaveTheFolderAreNeverRead() throws Exception {
        SampleStore store = SampleStore.open(dir.resolve("samples"), 1_000_000);
        Files.writeString(dir.resolve("secret.jpg"), "no");
        assertThat(store.image("..", "secret")).isEmpty();
        assertThat(store.image("a", "../../secret")).isEmpty();
        assertThat(store.image("a", "nothing")).isEmpty();
    }
}
