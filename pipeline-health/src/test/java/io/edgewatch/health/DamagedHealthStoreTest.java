package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;

/**
 * Issue 31, "damaged storage is survived", for {@code health.db} at start: random bytes, a file
 * cut to a third, a page in the middle overwritten with zeros. Each is moved aside as
 * {@code health.db.damaged-<UTC time>}, a new store opens in its place (not memory only), takes
 * windows, and holds what could still be read of the old one.
 */
class DamagedHealthStoreTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private static final int WINDOWS = 3000;

    @TempDir
    Path dir;

    private static WindowReport window(int i) {
        LatencyStats lat = new LatencyStats(20, 20, 20, 30, 40, 45);
        Instant end = T0.plusSeconds(5L * (i + 1));
        return new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(5), end, 20, 20, 0, 0, Map.of(), Map.of(),
                List.of(), List.of(new ClassStats("person", 1, 1, 0.5, 0.7, 0.9)), lat, lat, lat);
    }

    /** A store of {@link #WINDOWS} windows, closed (checkpointed into the file). */
    private Path written() {
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(4000))) {
            for (int i = 0; i < WINDOWS; i++) {
                store.saveWindow(window(i), "test");
            }
            store.flush();
        }
        return dir.resolve("health.db");
    }

    private long reopenAndCount() throws Exception {
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(4000))) {
            assertThat(store.keepsHistory()).isTrue();
            assertThat(store.file()).isEqualTo(dir.resolve("health.db"));
            long kept = store.windows(Instant.EPOCH, T0.plusSeconds(86_400)).size();
            store.saveWindow(window(WINDOWS + 10), "after");
            store.flush();
            assertThat(store.windows(T0.plusSeconds(5L * (WINDOWS + 5)), T0.plusSeconds(86_400))).hasSize(1);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .anyMatch(n -> n.matches("health\\.db\\.damaged-\\d{8}T\\d{6}Z"));
            }
            return kept;
        }
    }

    @Test
    void randomBytesAreMovedAsideAndANewStoreOpens() throws Exception {
        byte[] noise = new byte[50_000];
        new Random(7).nextBytes(noise);
        Files.write(dir.resolve("health.db"), noise);
        assertThat(reopenAndCount()).isZero();
    }

    @Test
    void aFileCutToAThirdKeepsWhatCanBeRead() throws Exception {
        Path file = written();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() / 3);
        }
        long kept = reopenAndCount();
        assertThat(kept).isLessThan(WINDOWS);
    }

    @Test
    void aZeroedPageInTheMiddleLosesOnlyWhatItHeld() throws Exception {
        Path file = written();
        // the middle leaf of the windows table, as Debian's sqlite3 lists them (an index page lost loses no row)
        Process q = new ProcessBuilder("sqlite3", file.toString(),
                "SELECT pageno FROM dbstat WHERE name = 'windows' AND pagetype = 'leaf' ORDER BY path").redirectErrorStream(true).start();
        List<Long> leaves = new String(q.getInputStream().readAllBytes()).lines().map(String::strip).map(Long::parseLong).toList();
        assertThat(q.waitFor()).isZero();
        long page = leaves.get(leaves.size() / 2);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek((page - 1) * 4096);
            f.write(new byte[4096]);
        }
        long kept = reopenAndCount();
        assertThat(kept).as("windows salvaged of " + WINDOWS).isLessThan(WINDOWS).isGreaterThan(WINDOWS / 2);
    }
}
