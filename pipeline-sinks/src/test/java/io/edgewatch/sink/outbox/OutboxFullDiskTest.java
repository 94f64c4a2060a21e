package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.testkit.SmallDisk;

/**
 * The outbox on a real small file system (a 1 MiB tmpfs; the test needs root, as CI has) that
 * fills up while entries keep coming and is freed again: nothing accepted is lost, order is kept,
 * and no restart is needed.
 */
class OutboxFullDiskTest {

    @TempDir
    Path dir;

    private static byte[] body(int i) {
        return ("{\"n\":" + i + ",\"pad\":\"" + "x".repeat(2000) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFullDiskKeepsAcceptedEntriesInMemoryInOrderAndCommitsThemOnceSpaceIsBack() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 1 << 20);
             Outbox outbox = Outbox.open(disk.path(), 100_000, 5000, Clock.systemUTC())) {
            int n = 0;
            for (; n < 5; n++) {
                assertThat(outbox.append("roboflow", "cam", "report", body(n))).isPositive();
            }
            disk.fill();
            // the log and the pages SQLite already has take a few more; then the disk refuses
            while (outbox.storageProblem() == null && n < 2000) {
                outbox.append("roboflow", "cam", "report", body(n++));
            }
            assertThat(outbox.storageProblem()).as("the disk refused a commit").isNotNull().contains("full");
            for (int k = 0; k < 20; k++) {
                assertThat(outbox.append("roboflow", "cam", "report", body(n++))).as("accepted into memory").isEqualTo(-1);
            }
            assertThat(outbox.waitingInMemory()).isGreaterThanOrEqualTo(20);
            assertThat(outbox.stats().depth()).as("what waits in memory counts").isEqualTo(n);

            disk.free();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while ((outbox.storageProblem() != null || outbox.waitingInMemory() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(outbox.storageProblem()).as("committing again without a restart").isNull();
            assertThat(outbox.waitingInMemory()).isZero();
            List<Integer> order = new ArrayList<>();
            for (OutboxEntry e : outbox.oldest("roboflow", 100_000)) {
                String text = new String(e.body(), StandardCharsets.UTF_8);
                order.add(Integer.parseInt(text.substring(5, text.indexOf(','))));
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add(i);
            }
            assertThat(order).as("every accepted entry on disk, in the order accepted").isEqualTo(expected);
            // and the connection works for the sender's bookkeeping too
            outbox.delete(outbox.oldest("roboflow", 1).get(0).id());
            assertThat(outbox.stats().depth()).isEqualTo(n - 1);
        }
    }

    @Test
    void theMemoryQueueIsBoundedInBytesAndWhatItDroppedIsCountedAcrossARestart() throws Exception {
        // bounded by a count only (10,000), a few hundred samples of 0.3-1 MB waiting for a full disk exhaust a 192 MB heap;
        // and its drops were counted in memory only, so evicted_total forgot them at the next start
        byte[] sample = new byte[20_000];
        long dropped;
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 1 << 20)) {
            try (Outbox outbox = Outbox.open(disk.path(), 100_000, 5000, 100_000, Clock.systemUTC())) {
                outbox.append("roboflow", "cam", "sample", sample);
                disk.fill();
                int n = 0;
                while (outbox.storageProblem() == null && n < 2000) {
                    outbox.append("roboflow", "cam", "sample", sample);
                    n++;
                }
                assertThat(outbox.storageProblem()).as("the disk refused a commit").isNotNull();
                for (int k = 0; k < 20; k++) {
                    assertThat(outbox.append("roboflow", "cam", "sample", sample)).isEqualTo(-1);
                }
                assertThat(outbox.waitingInMemory()).as("at most 100 kB of bodies").isBetween(1, 5);
                dropped = outbox.evictedInMemory();
                assertThat(dropped).isGreaterThanOrEqualTo(15);
                disk.free();
                long deadline = System.nanoTime() + 20_000_000_000L;
                while ((outbox.storageProblem() != null || outbox.waitingInMemory() > 0) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(outbox.waitingInMemory()).isZero();
            }
            try (Outbox outbox = Outbox.open(disk.path(), 100_000, 5000, 100_000, Clock.systemUTC())) {
                assertThat(outbox.stats().evicted()).as("the drops, still counted after a restart").isEqualTo(dropped);
            }
        }
    }

    @Test
    void aReopenThatFailedIsTriedAgainByTheNextCall() throws Exception {
        // review-outbox 17: after a commit the full disk ended, the outbox reopens its file; when that reopen failed too
        // (here: the folder away for a moment), it kept the closed connection, and the next call failed on it
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 1 << 20)) {
            Path folder = disk.path().resolve("box");
            Path away = disk.path().resolve("box-away");
            try (Outbox outbox = Outbox.open(folder, 100_000, 5000, Clock.systemUTC())) {
                assertThat(outbox.append("roboflow", "cam", "report", body(0))).isPositive();
                disk.fill();
                java.nio.file.Files.move(folder, away);
                int n = 1;
                while (outbox.storageProblem() == null && n < 2000) {
                    outbox.append("roboflow", "cam", "report", body(n++));
                }
                assertThat(outbox.storageProblem()).as("the disk refused a commit").isNotNull();
                java.nio.file.Files.move(away, folder);
                disk.free();
                assertThat(outbox.stats().depth()).as("the next call reopens the file").isEqualTo(n);
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (outbox.waitingInMemory() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(outbox.waitingInMemory()).isZero();
                assertThat(outbox.oldest("roboflow", 10_000)).hasSize(n);
            }
        }
    }
}
