package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.testing.MovingClock;
import reactor.core.publisher.Mono;

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
        AtomicLong nanos = new AtomicLong();
        try (Outbox o = Outbox.open(dir, Outbox.Limits.of(10), clock, nanos::get)) {
            assertThat(o.stats().oldestAgeMillis()).isZero();
            o.append("rf", "a", "report", b("1"));
            clock.advance(Duration.ofSeconds(42));
            nanos.addAndGet(Duration.ofSeconds(42).toNanos());
            assertThat(o.stats().oldestAgeMillis()).isEqualTo(42_000);
        }
    }

    @Test
    void theAgeOfTheOldestEntryDoesNotFollowAStepOfTheWallClock() {
        // review-outbox 16: aged on the wall clock, a step back of an hour showed 0 (and delayed EdgewatchOutboxBacklog),
        // a step forward (NTP on a box without a clock of its own) raised a false one
        MovingClock clock = new MovingClock(Instant.parse("2026-11-23T10:00:00Z"));
        AtomicLong nanos = new AtomicLong(123_456_789_000L);
        try (Outbox o = Outbox.open(dir, Outbox.Limits.of(100), clock, nanos::get)) {
            o.append("rf", "a", "report", b("1"));
            pass(clock, nanos, Duration.ofSeconds(10));
            assertThat(o.stats().oldestAgeMillis()).isEqualTo(10_000);
            clock.advance(Duration.ofHours(-1));
            pass(clock, nanos, Duration.ofSeconds(5));
            o.append("rf", "b", "report", b("2"));
            assertThat(o.stats().oldestAgeMillis()).as("after a step back of an hour").isEqualTo(15_000);
            clock.advance(Duration.ofHours(2));
            pass(clock, nanos, Duration.ofSeconds(5));
            assertThat(o.stats().oldestAgeMillis()).as("after a step forward of two").isEqualTo(20_000);
            o.delete(o.oldest("rf", 1).get(0).id());
            assertThat(o.stats().oldestAgeMillis()).as("the next oldest, made after the first step").isEqualTo(5_000);
            o.delete(o.oldest("rf", 1).get(0).id());
            o.append("rf", "p", "report", b("from before the restart"));
        }
        // made by the run before: as old as the wall clock says at the open, and from then on on the monotonic clock
        pass(clock, nanos, Duration.ofMinutes(1));
        try (Outbox o = Outbox.open(dir, Outbox.Limits.of(100), clock, nanos::get)) {
            assertThat(o.stats().oldestAgeMillis()).isEqualTo(60_000);
            clock.advance(Duration.ofHours(-1));
            pass(clock, nanos, Duration.ofSeconds(5));
            o.append("rf", "c", "report", b("3"));
            assertThat(o.stats().oldestAgeMillis()).as("after a step back").isEqualTo(65_000);
            clock.advance(Duration.ofHours(3));
            assertThat(o.stats().oldestAgeMillis()).as("after a step forward").isEqualTo(65_000);
            o.delete(o.oldest("rf", 1).get(0).id());
            assertThat(o.stats().oldestAgeMillis()).as("this run's own").isZero();
            pass(clock, nanos, Duration.ofSeconds(2));
            assertThat(o.stats().oldestAgeMillis()).isEqualTo(2_000);
        }
    }

    /** {@code d} passes on both clocks. */
    private static void pass(MovingClock clock, AtomicLong nanos, Duration d) {
        clock.advance(d);
        nanos.addAndGet(d.toNanos());
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
    void anAppendWaitsForAnotherWriterOfTheFileInsteadOfFallingBackToMemory() throws Exception {
        // the outbox command (or a second daemon by mistake) writes the same file: while it holds SQLite's write lock
        // for a moment, an append waits for it (busy_timeout) and commits, rather than being refused at once with
        // SQLITE_BUSY and left in memory (id -1) as if the disk had failed
        try (Outbox a = Outbox.open(dir, 1000, Clock.systemUTC())) {
            a.append("rf", "cam", "report", b("before"));
            // reads on the outbox's connection between its writes, as the sender and the status page make them
            assertThat(a.oldest("rf", 10)).hasSize(1);
            assertThat(a.stats().depth()).isEqualTo(1);
            assertThat(a.deadLetters()).isZero();
            long id = whileAnotherConnectionWrites(() -> a.append("rf", "cam", "report", b("while another writes")));
            assertThat(id).as("committed after waiting for the other writer").isPositive();
            assertThat(a.waitingInMemory()).isZero();
            assertThat(a.storageProblem()).isNull();
            assertThat(a.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8))
                    .containsExactly("before", "while another writes");
        }
    }

    @Test
    void anAppendAfterAnEvictionWaitsForAnotherWriterToo() throws Exception {
        // an eviction's warning read a counter after its commit, which left a read transaction open on the outbox's
        // connection: the next write then could not wait for the lock (SQLite refuses a transaction that has read to
        // wait for a writer, SQLITE_BUSY at once) and its entry went to memory as if the disk had failed
        try (Outbox a = Outbox.open(dir, 2, Clock.systemUTC())) {
            for (String body : List.of("x", "y", "z")) {
                a.append("rf", "cam", "report", b(body));
            }
            long id = whileAnotherConnectionWrites(() -> a.append("rf", "cam", "report", b("after")));
            assertThat(id).as("committed, not held in memory").isPositive();
            assertThat(a.waitingInMemory()).isZero();
            assertThat(a.storageProblem()).isNull();
            assertThat(a.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("z", "after");
            assertThat(a.stats().evicted()).isEqualTo(2);
        }
    }

    /** {@code write} while a second connection on the outbox's file holds SQLite's write lock, for 300 ms from before it starts. */
    private long whileAnotherConnectionWrites(LongSupplier write) throws Exception {
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db"));
             Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            s.execute("UPDATE counters SET value = value WHERE name = 'accepted'");
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    s.execute("COMMIT");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            release.start();
            long id = write.getAsLong();
            release.join(10_000);
            return id;
        }
    }

    @Test
    void eachAppendReturnsTheIdItsEntryWasStoredUnderWhateverElseWritesTheFile() throws Exception {
        // a second connection on the same file (as the outbox command's) writes at the same time as the first, whose
        // evictions and a dead letter put back leave gaps and reuse an id: every append waits for the other writer
        // (none is refused and held in memory, id -1) and every id returned is still its own entry's
        try (Outbox a = Outbox.open(dir, 8, Clock.systemUTC()); Outbox b = Outbox.open(dir, 1000, Clock.systemUTC())) {
            Map<Long, String> returned = new ConcurrentHashMap<>();
            for (int round = 0; round < 2; round++) {
                // two appenders at once on the first connection (batches of several entries), one on the second
                List<Thread> appenders = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    Outbox o = t < 2 ? a : b;
                    int n = t < 2 ? 25 : 10;
                    String who = "r" + round + "t" + t;
                    Thread th = new Thread(() -> {
                        for (int i = 0; i < n; i++) {
                            returned.put(o.append("rf", "cam-" + who, "report", b(who + "-" + i)), who + "-" + i);
                            if (o == b) {
                                o.stats(); // reads between the writes, as the status page makes them
                            }
                        }
                    });
                    th.start();
                    appenders.add(th);
                }
                for (Thread th : appenders) {
                    th.join(30_000);
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

    @Test
    void anEntryWithoutACameraIsRefusedToItsCallerAloneAndTheNextAppendIsOnDisk() {
        // VisionEventsSink appended a daemon alert with a null camera: the NOT NULL constraint failed its commit, which
        // counted as "the disk refused", and from then on every append of every sink went to memory (-1), lost at the stop
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            Throwable refused = catchThrowable(() -> o.append("rf", null, "events", b("no camera")));
            long id = o.append("rf", "cam", "report", b("good"));
            assertThat(id).as("the good entry is on disk").isPositive();
            assertThat(o.storageProblem()).as("nothing is wrong with the disk").isNull();
            assertThat(o.waitingInMemory()).isZero();
            assertThat(refused).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("camera");
            assertThat(catchThrowable(() -> o.append(null, "cam", "report", b("x")))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("destination");
            assertThat(catchThrowable(() -> o.append("rf", "cam", " ", b("x")))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("kind");
            assertThat(catchThrowable(() -> o.append("rf", "cam", "report", null))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("body");
            assertThat(o.refused()).as("counted").isEqualTo(4);
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("good");
        }
    }

    @Test
    void anEntryTheDatabaseRefusesIsSetAsideAloneAndTheOthersOfItsGroupCommitAreOnDisk() throws Exception {
        // a deterministic refusal (a constraint) of one entry of a group commit sent the whole batch to the memory queue,
        // retried every second for ever; now only that entry is refused, to its caller, and the disk is not suspected
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            o.append("rf", "warm", "report", b("first"));
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db"));
                 Statement s = other.createStatement()) {
                s.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON outbox WHEN NEW.kind = 'poison'"
                        + " BEGIN SELECT RAISE(ABORT, 'a poisoned entry'); END");
            }
            Map<String, Object> results = new ConcurrentHashMap<>();
            List<Thread> appenders = new ArrayList<>();
            synchronized (o) {
                for (String who : List.of("good-1", "poison", "good-2")) {
                    Thread t = new Thread(() -> {
                        try {
                            results.put(who, o.append("rf", "cam-" + who, who.startsWith("good") ? "report" : "poison", b(who)));
                        } catch (RuntimeException e) {
                            results.put(who, e);
                        }
                    });
                    t.start();
                    appenders.add(t);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (o.arrivingCount() < 3 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(o.arrivingCount()).as("the three in one group commit").isEqualTo(3);
            }
            for (Thread t : appenders) {
                t.join(10_000);
            }
            assertThat(results.get("good-1")).as("committed").isInstanceOf(Long.class).satisfies(id -> assertThat((Long) id).isPositive());
            assertThat(results.get("good-2")).as("committed").isInstanceOf(Long.class).satisfies(id -> assertThat((Long) id).isPositive());
            assertThat(o.storageProblem()).as("the disk took the batch").isNull();
            assertThat(o.waitingInMemory()).isZero();
            assertThat(results.get("poison")).isInstanceOf(IllegalArgumentException.class).asString().contains("a poisoned entry");
            assertThat(o.append("rf", "cam", "report", b("after"))).isPositive();
            assertThat(o.refused()).isEqualTo(1);
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("first", "good-1", "good-2", "after");
            for (String good : List.of("good-1", "good-2")) {
                assertThat(o.oldest("rf", 10)).as("the id returned is its entry's").filteredOn(e -> e.id() == (Long) results.get(good))
                        .extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly(good);
            }
        }
    }

    @Test
    void openingWaitsForAnotherWriterOfTheFileInsteadOfFailing() throws Exception {
        // the constructor's CREATE ... IF NOT EXISTS read the schema in a deferred transaction, then its first write could
        // not wait for another connection's write lock (SQLITE_BUSY at once): edgewatch outbox failed beside a busy daemon
        Outbox.open(dir, 100, Clock.systemUTC()).close();
        long depth = whileAnotherConnectionWrites(() -> {
            try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
                return o.stats().depth();
            }
        });
        assertThat(depth).isZero();
    }

    @Test
    void entriesAppendedTogetherAreCommittedTogetherOrNotAtAll() {
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            long[] ids = o.appendAll(List.of(new Outbox.NewEntry("rf", "cam", "report", b("r1")),
                    new Outbox.NewEntry("rf", "cam", "metadata", b("m1"))));
            assertThat(ids).hasSize(2);
            assertThat(ids[0]).isPositive();
            assertThat(ids[1]).isEqualTo(ids[0] + 1);
            Throwable refused = catchThrowable(() -> o.appendAll(List.of(new Outbox.NewEntry("rf", "cam", "report", b("r2")),
                    new Outbox.NewEntry("rf", "cam", "metadata", null))));
            assertThat(refused).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no body")
                    .hasMessageContaining("nor the other 1");
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("r1", "m1");
            assertThat(o.stats().accepted()).isEqualTo(2);
        }
    }

    @Test
    void theAgeOfTheOldestEntryAndEachDestinationsAreReadFromAnIndexNotFromTheRowsAndTheirBodies() throws Exception {
        // MIN(created_at) had no index, and created_at is stored after the body: every scrape walked every blob's pages
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            o.append("rf", "cam", "report", new byte[300_000]);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db")); Statement s = c.createStatement()) {
                assertThat(plan(s, Outbox.OLDEST_SQL)).isNotEmpty().allSatisfy(d -> assertThat(d).contains("COVERING INDEX"));
                assertThat(plan(s, Outbox.REPORT_SQL)).isNotEmpty().allSatisfy(d -> assertThat(d).contains("COVERING INDEX"));
            }
        }
    }

    /** SQLite's plan for {@code sql}: one line per step (SCAN t, SEARCH t USING INDEX i ...). */
    private static List<String> plan(Statement s, String sql) throws Exception {
        List<String> steps = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
            while (rs.next()) {
                steps.add(rs.getString("detail"));
            }
        }
        return steps;
    }

    /** The schema every release made before schema versions were kept (bc2c481), exactly. */
    private static final List<String> SCHEMA_BEFORE_VERSIONS = List.of(
            "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL,"
                    + " camera_id TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL,"
                    + " attempts INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX IF NOT EXISTS outbox_destination ON outbox (destination, id)",
            "CREATE TABLE IF NOT EXISTS dead_letter (id INTEGER PRIMARY KEY, destination TEXT NOT NULL,"
                    + " camera_id TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL,"
                    + " status INTEGER NOT NULL, reason TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS destination_state (destination TEXT PRIMARY KEY, stopped INTEGER NOT NULL,"
                    + " reason TEXT, since INTEGER NOT NULL)",
            "INSERT OR IGNORE INTO counters (name, value) VALUES ('accepted', 0)",
            "INSERT OR IGNORE INTO counters (name, value) VALUES ('delivered', 0)",
            "INSERT OR IGNORE INTO counters (name, value) VALUES ('retries', 0)",
            "INSERT OR IGNORE INTO counters (name, value) VALUES ('evicted', 0)");

    @Test
    void aFileOfTheReleasesBeforeSchemaVersionsOpensMigratedKeepsEverythingAndItsEntriesDeliver() throws Exception {
        Path file = dir.resolve("outbox.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            for (String ddl : SCHEMA_BEFORE_VERSIONS) {
                s.execute(ddl);
            }
            s.execute("INSERT INTO outbox (destination, camera_id, kind, body, created_at, attempts) VALUES"
                    + " ('rf', 'cam', 'report', X'6F6E65', 1000, 2), ('rf', 'cam', 'metadata', X'74776F', 1001, 0),"
                    + " ('other', 'cam', 'report', X'78', 1002, 0)");
            s.execute("INSERT INTO dead_letter VALUES (1, 'rf', 'cam', 'report', X'00', 999, 400, 'refused')");
            s.execute("UPDATE counters SET value = 5 WHERE name = 'accepted'");
            s.execute("UPDATE counters SET value = 1 WHERE name = 'delivered'");
            s.execute("INSERT INTO destination_state VALUES ('rf', 1, 'HTTP 401', 1003)");
            assertThat(plan(s, Outbox.OLDEST_SQL)).as("before: read from the rows").noneMatch(d -> d.contains("INDEX"));
        }
        List<String> delivered = new CopyOnWriteArrayList<>();
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                    assertThat(rs.getInt(1)).isEqualTo(Outbox.SCHEMA_VERSION);
                }
                assertThat(plan(s, Outbox.OLDEST_SQL)).as("the index made at open").allSatisfy(d -> assertThat(d).contains("INDEX"));
            }
            OutboxStats stats = o.stats();
            assertThat(stats.depth()).isEqualTo(3);
            assertThat(stats.accepted()).isEqualTo(5);
            assertThat(stats.delivered()).isEqualTo(1);
            assertThat(o.deadLetters()).isEqualTo(1);
            assertThat(o.report(List.of())).filteredOn(r -> r.destination().equals("rf")).singleElement()
                    .satisfies(r -> assertThat(r.reason()).isEqualTo("HTTP 401"));
            assertThat(o.oldest("rf", 1).get(0).attempts()).isEqualTo(2);
            try (OutboxSender sender = new OutboxSender(o, "rf", (kind, body) -> Mono.fromRunnable(
                    () -> delivered.add(kind + " " + new String(body, StandardCharsets.UTF_8))),
                    Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(200), false).start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (o.oldest("rf", 10).size() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            assertThat(delivered).containsExactly("report one", "metadata two");
            assertThat(o.append("rf", "cam", "report", b("new"))).as("and new entries after them").isGreaterThan(3);
        }
    }

    @Test
    void aFileOfANewerVersionIsRefusedNamingBothVersionsAndLeftUntouched() throws Exception {
        Path file = dir.resolve("outbox.db");
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            o.append("rf", "cam", "report", b("kept"));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = " + (Outbox.SCHEMA_VERSION + 1));
        }
        byte[] before = Files.readAllBytes(file);
        Throwable refused = catchThrowable(() -> Outbox.open(dir, 100, Clock.systemUTC()));
        assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("schema version " + (Outbox.SCHEMA_VERSION + 1))
                .hasMessageContaining("versions up to " + Outbox.SCHEMA_VERSION);
        assertThat(Files.readAllBytes(file)).as("not touched").isEqualTo(before);
    }

    @Test
    void aCallAfterCloseFailsAndDoesNotReopenTheFile() {
        // a call after close() failed on the closed connection, and reset() then opened a new one behind the stop
        Outbox o = Outbox.open(dir, 100, Clock.systemUTC());
        long id = o.append("rf", "cam", "report", b("x"));
        o.close();
        assertThat(catchThrowable(() -> o.failedAttempt(id))).isInstanceOf(IllegalStateException.class);
        assertThat(catchThrowable(o::stats)).as("still closed").isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(catchThrowable(() -> o.append("rf", "cam", "report", b("y")))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        o.close();
        try (Outbox again = Outbox.open(dir, 100, Clock.systemUTC())) {
            assertThat(again.oldest("rf", 10)).singleElement().satisfies(e -> assertThat(e.attempts()).isZero());
        }
    }

    @Test
    void aPageEndsAtTheBytesAskedFor() {
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            for (int i = 0; i < 10; i++) {
                o.append("rf", "cam", "sample", new byte[100_000]);
            }
            assertThat(o.after("rf", 0, 128, 250_000)).as("until the one that reaches 250 kB").hasSize(3);
            assertThat(o.after("rf", 0, 128, 1)).hasSize(1);
            assertThat(o.after("rf", 0, 5, Long.MAX_VALUE)).hasSize(5);
        }
    }

    @Test
    void deadLettersAreBoundedAsTheQueueIsTheOldestEvictedAndCounted() {
        // dead letters were never evicted nor counted in max_entries: a 413 on every sample filled the disk with them
        try (Outbox o = Outbox.open(dir, 3, Clock.systemUTC())) {
            for (int i = 0; i < 5; i++) {
                long id = o.append("rf", "cam", "sample", b("s" + i));
                o.deadLetter(id, 413, "too large");
            }
            assertThat(o.deadLetterList(10)).extracting(Outbox.DeadLetter::id).as("the newest 3").hasSize(3).isSorted();
            assertThat(o.stats().evicted()).isEqualTo(2);
            assertThat(o.deadLetters()).isEqualTo(3);
        }
    }

    @Test
    void theLogIsCutBackAfterALargeTransaction() throws Exception {
        // without journal_size_limit the write-ahead log kept the size of its largest transaction (a flush of 500 samples)
        try (Outbox o = Outbox.open(dir, 1000, Clock.systemUTC())) {
            List<Outbox.NewEntry> large = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                large.add(new Outbox.NewEntry("rf", "cam", "sample", new byte[1024 * 1024]));
            }
            long[] ids = o.appendAll(large);
            Path wal = dir.resolve("outbox.db-wal");
            assertThat(Files.size(wal)).as("the transaction went through the log").isGreaterThan(12L * 1024 * 1024);
            List<Long> all = new ArrayList<>();
            for (long id : ids) {
                all.add(id);
            }
            o.delete(all);
            for (int i = 0; i < 3; i++) {
                o.append("rf", "cam", "report", b("small " + i));
            }
            assertThat(Files.size(wal)).as("cut back to journal_size_limit").isLessThanOrEqualTo(Outbox.JOURNAL_SIZE_LIMIT);
        }
    }

    @Test
    void anEvictedEntryTheSenderDeliveredAnywayIsCountedDeliveredNotLost() {
        // evicted entries still in the sender's page or in flight were delivered, yet counted as evicted (lost)
        try (Outbox o = Outbox.open(dir, 3, Clock.systemUTC())) {
            for (int i = 0; i < 3; i++) {
                o.append("rf", "cam", "report", b("r" + i));
            }
            List<OutboxEntry> page = o.oldest("rf", 10);
            o.append("rf", "cam", "report", b("r3"));
            o.append("rf", "cam", "report", b("r4"));
            assertThat(o.stats().evicted()).isEqualTo(2);
            o.delete(page.stream().map(OutboxEntry::id).toList());
            OutboxStats s = o.stats();
            assertThat(s.evicted()).as("none of them lost").isZero();
            assertThat(s.delivered()).isEqualTo(3);
            assertThat(s.depth()).isEqualTo(2);
        }
    }

    private long pragma(String name) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Test
    void deliveredEntriesGiveTheirSpaceBack() throws Exception {
        // without auto_vacuum the file kept the pages of its largest backlog for ever: 10,551,296 bytes of pages stayed
        // once 100 entries of 100 kB were delivered
        try (Outbox o = Outbox.open(dir, 1000, Clock.systemUTC())) {
            for (int i = 0; i < 100; i++) {
                o.append("rf", "cam", "sample", new byte[100_000]);
            }
            long full = pragma("page_count") * pragma("page_size");
            assertThat(full).isGreaterThan(10_000_000);
            List<OutboxEntry> all = o.oldest("rf", 1000);
            for (int i = 0; i < all.size(); i += OutboxSender.DELETE_BATCH) {
                o.delete(all.subList(i, Math.min(all.size(), i + OutboxSender.DELETE_BATCH)).stream().map(OutboxEntry::id).toList());
            }
            long after = pragma("page_count") * pragma("page_size");
            assertThat(after).as("pages once delivered, of %d", full).isLessThan(2L * 1024 * 1024);
            assertThat(pragma("auto_vacuum")).as("incremental").isEqualTo(2);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db")); Statement s = c.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        assertThat(Files.size(dir.resolve("outbox.db"))).as("the file itself, checkpointed").isLessThan(2L * 1024 * 1024);
    }

    @Test
    void aFileMadeBeforeIncrementalVacuumIsSwitchedAtTheDaemonsOpenWithItsEntries() throws Exception {
        // the command beside a daemon never rewrites the file; it makes one as releases before did (no auto_vacuum)
        try (Outbox o = Outbox.openBeside(dir, 1000, Clock.systemUTC())) {
            o.append("rf", "cam", "report", b("kept"));
            o.deadLetter(o.append("rf", "cam", "report", b("dead")), 400, "refused");
        }
        assertThat(pragma("auto_vacuum")).isZero();
        try (Outbox o = Outbox.open(dir, 1000, Clock.systemUTC())) {
            assertThat(pragma("auto_vacuum")).isEqualTo(2);
            assertThat(pragma("user_version")).isEqualTo(Outbox.SCHEMA_VERSION);
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("kept");
            assertThat(o.deadLetters()).isEqualTo(1);
            assertThat(o.stats().accepted()).isEqualTo(2);
        }
    }

    @Test
    void aWriteLockAnotherProcessHoldsPastTheBusyTimeoutIsNoFullDisk() throws Exception {
        // review-outbox 17: edgewatch outbox holding the file's write lock over the 5 s busy timeout counted as the disk
        // refusing: storage_full:outbox fired (and /healthz degraded) for a lock, not a disk
        try (Outbox a = Outbox.open(dir, 1000, Clock.systemUTC())) {
            a.append("rf", "cam", "report", b("before"));
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db"));
                 Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                s.execute("UPDATE counters SET value = value WHERE name = 'accepted'");
                long id = a.append("rf", "cam", "report", b("while locked"));
                assertThat(id).as("waits in memory, in order").isEqualTo(-1);
                assertThat(a.storageProblem()).as("a lock is no full disk").isNull();
                s.execute("COMMIT");
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (a.waitingInMemory() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(a.waitingInMemory()).isZero();
            assertThat(a.storageProblem()).isNull();
            assertThat(a.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8))
                    .containsExactly("before", "while locked");
        }
    }

    @Test
    void aWriteLockHeldForAMinuteCountsAsTheDiskRefusingAndSaysSo() throws Exception {
        AtomicLong nanos = new AtomicLong();
        try (Outbox a = Outbox.open(dir, Outbox.Limits.of(1000), Clock.systemUTC(), nanos::get)) {
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db"));
                 Statement s = other.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                s.execute("UPDATE counters SET value = value WHERE name = 'accepted'");
                assertThat(a.append("rf", "cam", "report", b("while locked"))).isEqualTo(-1);
                assertThat(a.storageProblem()).isNull();
                nanos.addAndGet(Outbox.LOCKED_ALERT.plusSeconds(1).toNanos());
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (a.storageProblem() == null && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(a.storageProblem()).as("the flusher's next try, a minute on").contains("held its write lock for 61 s");
                s.execute("COMMIT");
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while ((a.waitingInMemory() > 0 || a.storageProblem() != null) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(a.storageProblem()).isNull();
            assertThat(a.oldest("rf", 10)).hasSize(1);
        }
    }
}
