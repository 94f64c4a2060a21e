package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review-outbox 11: the outbox's file is bounded in bytes ({@code storage.outbox_max_mb}), dead letters included: its
 * pages in use ({@code (page_count - freelist_count) * page_size}) stay under the bound, the dead letters evicted
 * first and then the oldest entries, each counted as evicted; and dead letters put back are put back only as far as
 * the queue has room.
 */
class OutboxFileBoundTest {

    private static final long MB = 1024 * 1024;
    private static final int BODY = 100_000;

    @TempDir
    Path dir;

    private static byte[] body(int i) {
        byte[] b = new byte[BODY];
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        return b;
    }

    /** The pages the file's data takes, as the outbox measures it, read by a connection of the test's own. */
    private long pagesInUse() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db")); Statement s = c.createStatement()) {
            return (pragma(s, "page_count") - pragma(s, "freelist_count")) * pragma(s, "page_size");
        }
    }

    private static long pragma(Statement s, String name) throws Exception {
        try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Test
    void aHundredEntriesOfAHundredKilobytesStayUnderAFourMegabyteBoundTheOldestEvictedAndCounted() throws Exception {
        // bounded by entries only, 100 samples of 100 kB took 10 MB of a 4 MB budget and nothing was evicted
        try (Outbox o = Outbox.open(dir, new Outbox.Limits(100_000, 4 * MB, Outbox.DEFAULT_MEMORY_QUEUE,
                Outbox.DEFAULT_MEMORY_QUEUE_BYTES), Clock.systemUTC())) {
            for (int i = 0; i < 100; i++) {
                assertThat(o.append("rf", "cam", "sample", body(i))).isPositive();
                assertThat(pagesInUse()).as("after entry %d", i).isLessThanOrEqualTo(4 * MB);
            }
            OutboxStats s = o.stats();
            assertThat(s.evicted()).as("evicted and counted").isPositive();
            assertThat(s.depth() + s.evicted()).as("each entry kept or counted as evicted").isEqualTo(100);
            assertThat(s.depth()).as("most of the bound in use").isGreaterThan(30);
            List<OutboxEntry> kept = o.oldest("rf", 1000);
            assertThat(kept).last().satisfies(e -> assertThat(e.body()[0]).isEqualTo((byte) 99));
            assertThat(kept).as("the newest kept, the oldest evicted").extracting(OutboxEntry::id).isSorted()
                    .first().isEqualTo(100L - kept.size() + 1);
        }
    }

    @Test
    void deadLettersAreEvictedBeforeAnyEntryWaitingInTheQueue() throws Exception {
        try (Outbox o = Outbox.open(dir, new Outbox.Limits(100_000, 4 * MB, Outbox.DEFAULT_MEMORY_QUEUE,
                Outbox.DEFAULT_MEMORY_QUEUE_BYTES), Clock.systemUTC())) {
            for (int i = 0; i < 20; i++) {
                o.deadLetter(o.append("rf", "cam", "sample", body(i)), 413, "too large");
            }
            long firstQueued = 0;
            for (int i = 20; i < 50; i++) {
                long id = o.append("rf", "cam", "sample", body(i));
                firstQueued = firstQueued == 0 ? id : firstQueued;
            }
            // 50 x 100 kB is past 4 MB: dead letters went, the 30 entries stay
            assertThat(o.deadLetters()).as("the oldest dead letters evicted").isLessThan(20);
            assertThat(o.stats().depth()).as("no entry of the queue evicted while dead letters were left").isEqualTo(30);
            assertThat(o.oldest("rf", 1).get(0).id()).isEqualTo(firstQueued);
            assertThat(o.stats().evicted()).isEqualTo(20 - o.deadLetters());
            assertThat(o.deadLetterList(100)).extracting(Outbox.DeadLetter::id).as("the newest dead letters kept")
                    .allSatisfy(id -> assertThat(id).isGreaterThan(20L - o.deadLetters()));
            for (int i = 50; i < 80; i++) {
                o.append("rf", "cam", "sample", body(i));
            }
            assertThat(o.deadLetters()).as("all dead letters gone before the queue's").isZero();
            assertThat(o.stats().depth() + o.stats().evicted()).isEqualTo(80);
            assertThat(pagesInUse()).isLessThanOrEqualTo(4 * MB);
        }
    }

    @Test
    void deadLettersArePutBackOnlyAsFarAsTheQueueHasRoom() {
        // retryDeadLetters put every dead letter back whatever the queue held: past storage.outbox_max_entries
        try (Outbox o = Outbox.open(dir, 10, Clock.systemUTC())) {
            for (int i = 0; i < 5; i++) {
                o.deadLetter(o.append("rf", "cam", "report", new byte[] {(byte) i}), 400, "refused");
            }
            for (int i = 0; i < 8; i++) {
                o.append("rf", "cam", "report", new byte[] {(byte) (10 + i)});
            }
            assertThat(o.retryDeadLetters()).as("room for two").isEqualTo(2);
            assertThat(o.stats().depth()).isEqualTo(10);
            assertThat(o.deadLetterList(10)).extracting(Outbox.DeadLetter::id).as("the oldest went back").containsExactly(3L, 4L, 5L);
            assertThat(o.stats().evicted()).as("none lost").isZero();
        }
    }

    @Test
    void manyDeadLettersArePutBackInChunksInOrder() {
        try (Outbox o = Outbox.open(dir, 10_000, Clock.systemUTC())) {
            List<Outbox.NewEntry> entries = new java.util.ArrayList<>();
            for (int i = 0; i < 600; i++) {
                entries.add(new Outbox.NewEntry("rf", "cam", "report", new byte[] {(byte) i}));
            }
            for (long id : o.appendAll(entries)) {
                o.deadLetter(id, 400, "refused");
            }
            assertThat(o.retryDeadLetters()).isEqualTo(600);
            assertThat(o.deadLetters()).isZero();
            assertThat(o.oldest("rf", 1000)).extracting(OutboxEntry::id).hasSize(600).isSorted().doesNotHaveDuplicates();
            assertThat(o.putBack()).isEqualTo(600);
        }
    }
}
