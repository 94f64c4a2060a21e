package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged {@code outbox.db} (what a worn SD card leaves) stopped the box for good: {@code cannot open the outbox ...
 * [SQLITE_NOTADB]}, exit 1, a restart loop with every camera unwatched. It is now moved aside, what can still be read
 * is salvaged into a new file in its old order, and the outbox opens.
 */
class OutboxDamageTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T17:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** 300 entries of about 1 kB, so that they fill many pages; the outbox closed (its log checkpointed into the file). */
    private Map<Long, String> written() {
        Map<Long, String> bodies = new LinkedHashMap<>();
        try (Outbox o = Outbox.open(dir, 10_000, CLOCK)) {
            for (int i = 0; i < 300; i++) {
                String body = "entry-" + i + "-" + "x".repeat(1000);
                bodies.put(o.append("rf", "cam-" + (i % 3), "report", body.getBytes(StandardCharsets.UTF_8)), body);
            }
            o.deadLetter(o.oldest("rf", 1).get(0).id(), 400, "refused");
        }
        return bodies;
    }

    private Path file() {
        return dir.resolve("outbox.db");
    }

    private Path aside() {
        return dir.resolve("outbox.db.damaged-20261207T170000Z");
    }

    @Test
    void randomBytesAreMovedAsideAndANewOutboxOpens() throws Exception {
        byte[] noise = new byte[20_000];
        new Random(7).nextBytes(noise);
        Files.write(file(), noise);
        try (Outbox o = Outbox.open(dir, 10_000, CLOCK)) {
            assertThat(o.damage()).contains("moved aside as " + aside()).contains("0 entries salvaged").contains("SQLITE_NOTADB");
            assertThat(o.stats().depth()).isZero();
            assertThat(o.append("rf", "cam", "report", new byte[] {1})).isPositive();
        }
        assertThat(Files.readAllBytes(aside())).as("kept as it was, for a person to look at").isEqualTo(noise);
        try (Outbox o = Outbox.open(dir, 10_000, CLOCK)) {
            assertThat(o.damage()).as("the new file is sound").isNull();
            assertThat(o.stats().depth()).isEqualTo(1);
        }
    }

    @Test
    void aFileCutToAThirdOpensWithEveryEntryStillReadableInItsOldOrderUnderItsOldId() throws Exception {
        Map<Long, String> bodies = written();
        long size = Files.size(file());
        try (RandomAccessFile f = new RandomAccessFile(file().toFile(), "rw")) {
            f.setLength(size / 3);
        }
        try (Outbox o = Outbox.open(dir, 10_000, CLOCK)) {
            assertThat(o.damage()).isNotNull().contains("moved aside as " + aside());
            List<OutboxEntry> salvaged = o.oldest("rf", 1000);
            assertThat(salvaged).as("the first third, about").hasSizeBetween(30, 200);
            assertThat(salvaged).allSatisfy(e -> assertThat(new String(e.body(), StandardCharsets.UTF_8))
                    .isEqualTo(bodies.get(e.id())));
            assertThat(salvaged).extracting(OutboxEntry::id).isSorted();
            assertThat(o.damage()).contains("(outbox " + salvaged.size() + " + ");
            long next = o.append("rf", "cam-0", "report", new byte[] {1});
            assertThat(next).as("after the old ids").isGreaterThan(salvaged.get(salvaged.size() - 1).id());
        }
    }

    @Test
    void aPageOfAnIndexZeroedLosesNoEntryTheTableStillHolds() throws Exception {
        Map<Long, String> bodies = written();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file());
             java.sql.Statement s = c.createStatement()) {
            // the index the open's count reads (the smallest): the damage the open meets
            String index;
            try (java.sql.ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM outbox")) {
                rs.next();
                index = rs.getString("detail").replaceFirst(".*USING (COVERING )?INDEX (\\w+).*", "$2");
            }
            int page;
            try (java.sql.ResultSet rs = s.executeQuery("SELECT rootpage FROM sqlite_master WHERE name = '" + index + "'")) {
                assertThat(rs.next()).as(index).isTrue();
                page = rs.getInt(1);
            }
            c.close();
            try (RandomAccessFile f = new RandomAccessFile(file().toFile(), "rw")) {
                f.seek((page - 1) * 4096L);
                f.write(new byte[4096]);
            }
        }
        try (Outbox o = Outbox.open(dir, 10_000, CLOCK)) {
            assertThat(o.damage()).isNotNull().contains("0 could not be read (outbox 299 + 0, dead_letter 1 + 0");
            assertThat(o.oldest("rf", 1000)).hasSize(299).allSatisfy(e -> assertThat(new String(e.body(), StandardCharsets.UTF_8))
                    .isEqualTo(bodies.get(e.id())));
            assertThat(o.deadLetters()).isEqualTo(1);
            assertThat(o.stats().accepted()).isEqualTo(300);
        }
    }

    @Test
    void aGarbageLogIsDamageAndTheFileKeepsItsCheckpointedEntries() throws Exception {
        Map<Long, String> bodies = written();
        byte[] noise = new byte[8192];
        new Random(3).nextBytes(noise);
        Files.write(dir.resolve("outbox.db-wal"), noise);
        try (Outbox o = Outbox.open(dir, 10_000, CLOCK)) {
            // SQLite would read a garbage log as an empty one, silently: what it held is lost, and that is said
            assertThat(o.damage()).isNotNull().contains("write-ahead log was garbage");
            assertThat(o.oldest("rf", 1000)).hasSize(bodies.size() - 1);
        }
    }
}
