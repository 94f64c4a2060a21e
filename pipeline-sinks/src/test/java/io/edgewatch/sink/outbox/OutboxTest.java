package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.testing.MovingClock;

class OutboxTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void entriesAndCountersSurviveAReopenAndComeOutOldestFirst() {
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            o.append("rf", "a", "report", b("1"));
            o.append("rf", "b", "report", b("2"));
            o.append("other", "a", "report", b("x"));
            o.append("rf", "a", "metadata", b("3"));
            o.delete(o.oldest("rf", 1).get(0).id());
        }
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("2", "3");
            assertThat(o.oldest("rf", 10)).extracting(OutboxEntry::kind).containsExactly("report", "metadata");
            OutboxStats s = o.stats();
            assertThat(s.depth()).isEqualTo(3);
            assertThat(s.accepted()).isEqualTo(4);
            assertThat(s.delivered()).isEqualTo(1);
        }
    }

    @Test
    void aFullOutboxEvictsTheOldestAndCountsThem() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
        try (Outbox o = Outbox.open(dir, 3, clock)) {
            for (int i = 0; i < 5; i++) {
                o.append("rf", "a", "report", b(Integer.toString(i)));
            }
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("2", "3", "4");
            assertThat(o.stats().evicted()).isEqualTo(2);
            assertThat(o.stats().depth()).isEqualTo(3);
            o.failedAttempt(o.oldest("rf", 1).get(0).id());
            assertThat(o.oldest("rf", 1).get(0).attempts()).isEqualTo(1);
            assertThat(o.stats().retries()).isEqualTo(1);
        }
    }

    @Test
    void oldestAgeIsMeasuredFromTheClock() {
        MovingClock clock = new MovingClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (Outbox o = Outbox.open(dir, 10, clock)) {
            assertThat(o.stats().oldestAgeMillis()).isZero();
            o.append("rf", "a", "report", b("1"));
            clock.advance(Duration.ofSeconds(42));
            assertThat(o.stats().oldestAgeMillis()).isEqualTo(42_000);
        }
    }

    @Test
    void whatArrivesWhileACommitIsUnderWayIsCommittedInOneTransactionAndEachAppendReturnsOnlyOnceItIsCommitted() throws Exception {
        try (Outbox o = Outbox.open(dir, 1000, Clock.systemUTC())) {
            o.append("rf", "warm", "report", b("first"));
            long[] before = o.commits();
            assertThat(before).containsExactly(1, 1);
            int cameras = 6; // seven entries in all with the first
            List<Thread> appenders = new ArrayList<>();
            Map<String, Long> ids = new ConcurrentHashMap<>();
            // the lock held as a commit holds it: the six appenders queue up behind it
            synchronized (o) {
                for (int i = 0; i < cameras; i++) {
                    String camera = "cam-" + i;
                    Thread t = new Thread(() -> ids.put(camera, o.append("rf", camera, "report", b(camera))));
                    t.start();
                    appenders.add(t);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (o.arrivingCount() < cameras && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(o.arrivingCount()).isEqualTo(cameras);
                assertThat(ids).as("nothing counts as accepted before its commit").isEmpty();
            }
            for (Thread t : appenders) {
                t.join(10_000);
            }
            assertThat(ids).hasSize(cameras).allSatisfy((camera, id) -> assertThat(id).isPositive());
            assertThat(o.commits()).as("one transaction more, six entries more").containsExactly(2, 1 + cameras);
            assertThat(o.oldest("rf", 100)).hasSize(1 + cameras)
                    .allSatisfy(e -> assertThat(e.id()).isEqualTo(e.cameraId().equals("warm") ? 1L : ids.get(e.cameraId())));
        }
        try (Outbox o = Outbox.open(dir, 1000, Clock.systemUTC())) {
            assertThat(o.stats().depth()).as("on disk, not only in memory").isEqualTo(7);
        }
    }

    @Test
    void eachAppendReturnsTheIdItsEntryWasStoredUnderWhateverElseWritesTheFile() throws Exception {
        // a second connection on the same file (as the outbox command's) writes between the first's commits (not at
        // the same moment: SQLite then refuses one of them and its entries wait in memory, id -1, as documented), and
        // evictions and a dead letter put back leave gaps and reuse an id: every id returned is still its own entry's
        try (Outbox a = Outbox.open(dir, 80, Clock.systemUTC()); Outbox b = Outbox.open(dir, 1000, Clock.systemUTC())) {
            Map<Long, String> returned = new ConcurrentHashMap<>();
            for (int round = 0; round < 2; round++) {
                // two appenders at once on the first connection: batches of several entries
                List<Thread> appenders = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    String who = "r" + round + "t" + t;
                    Thread th = new Thread(() -> {
                        for (int i = 0; i < 25; i++) {
                            returned.put(a.append("rf", "cam-" + who, "report", b(who + "-" + i)), who + "-" + i);
                        }
                    });
                    th.start();
                    appenders.add(th);
                }
                for (Thread th : appenders) {
                    th.join(30_000);
                }
                // then the second connection
                for (int i = 0; i < 10; i++) {
                    returned.put(b.append("rf", "cam-b", "report", b("b" + round + "-" + i)), "b" + round + "-" + i);
                }
            }
            OutboxEntry first = a.oldest("rf", 1).get(0);
            a.deadLetter(first.id(), 400, "refused");
            assertThat(b.retryDeadLetters()).isEqualTo(1);
            returned.put(a.append("rf", "cam-x", "report", b("last")), "last");
            assertThat(returned).hasSize(121).allSatisfy((id, body) -> assertThat(id).as(body).isPositive());
            List<OutboxEntry> stored = b.after("rf", 0, 1000);
            assertThat(stored).as("the dead letter is back under its own id").anySatisfy(e -> {
                assertThat(e.id()).isEqualTo(first.id());
                assertThat(e.body()).isEqualTo(first.body());
            });
            assertThat(stored).hasSizeGreaterThan(2).allSatisfy(e -> assertThat(new String(e.body(), StandardCharsets.UTF_8))
                    .as("entry " + e.id()).isEqualTo(returned.get(e.id())));
            assertThat(stored.get(stored.size() - 1).body()).isEqualTo(b("last"));
        }
    }
}
