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

    /**
     * Issue 31, damaged storage: a samples folder with garbage, a cut description, a description
     * that is a folder and a half-written file opens with the readable samples only; the others
     * are counted as unreadable and kept out of the bound and the list (before, every image with a
     * file beside it named .json was counted as kept, whatever the file held).
     */
    @Test
    void unreadableSamplesAreSkippedAndCountedAtTheStart() throws Exception {
        Path folder = dir.resolve("samples");
        SampleStore store = SampleStore.open(folder, 1_000_000);
        byte[] image = new byte[1_000];
        for (int i = 0; i < 6; i++) {
            store.accept(sample("a", i), image);
        }
        Path a = folder.resolve("a");
        Files.write(a.resolve(sample("a", 1).id() + ".json"), new byte[] {(byte) 0xff, 0x00, 0x13, 0x37});
        Path cut = a.resolve(sample("a", 2).id() + ".json");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(cut), 20));
        Path folderJson = a.resolve(sample("a", 3).id() + ".json");
        Files.delete(folderJson);
        Files.createDirectory(folderJson);
        Files.writeString(a.resolve(sample("a", 9).id() + ".jpg.tmp"), "half");

        SampleStore again = SampleStore.open(folder, 1_000_000);
        long[] stats = again.stats();
        assertThat(stats[0]).as("kept").isEqualTo(3);
        assertThat(stats[4]).as("unreadable").isEqualTo(3);
        assertThat(stats[1]).as("bytes of the readable ones").isEqualTo(3 * Files.size(a.resolve(sample("a", 0).id() + ".json"))
                + 3 * 1_000L);
        assertThat(again.list("a", 100)).extracting(Sample::id)
                .containsExactly(sample("a", 5).id(), sample("a", 4).id(), sample("a", 0).id());
        assertThat(a.resolve(sample("a", 9).id() + ".jpg.tmp")).doesNotExist();
        assertThat(a.resolve(sample("a", 1).id() + ".jpg")).as("left in place for someone to look at").exists();
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
