package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;

/**
 * Issue 31, "upgrades keep the data", for {@code health.db}: a file written before schema versions
 * ({@code health-v0.db}, made by {@code make-health-v0.sh} with the statements of main at bc2c481)
 * opens, keeps its windows and alerts, takes new ones and is marked version
 * {@link SqliteHealthStore#SCHEMA_VERSION}; a file of a newer version is refused with both
 * versions named, and left as it was.
 */
class SqliteHealthStoreTest {

    @TempDir
    Path dir;

    private Path copyOfV0() throws Exception {
        return copyOf("health-v0.db");
    }

    private Path copyOf(String resource) throws Exception {
        Path file = dir.resolve("health.db");
        try (InputStream in = SqliteHealthStoreTest.class.getResourceAsStream(resource)) {
            Files.copy(in, file);
        }
        return file;
    }

    /** Version 1 (main at a327edd, {@code make-health-v1.sh}) gains the marks table and keeps its rows. */
    @Test
    void aFileOfVersionOneKeepsItsWindowsAndTakesMarks() throws Exception {
        Path file = copyOf("health-v1.db");
        assertThat(userVersion(file)).isEqualTo(1);
        Instant first = Instant.ofEpochMilli(1764673200000L);
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(4000))) {
            assertThat(store.windows(Instant.EPOCH, first.plusSeconds(3600))).extracting(StoredWindow::seen).containsExactly(50L, 40L, 30L);
            assertThat(store.firingAlerts("cam-1")).hasSize(1);
            store.saveMark(new HistoryMark("cam-1", first, HistoryMark.STATE, "streaming"));
            store.saveMark(new HistoryMark(null, first.plusSeconds(5), HistoryMark.START, "0.1.0"));
            store.flush();
            List<HistoryMark> marks = new java.util.ArrayList<>();
            store.marks("cam-1", first.minusSeconds(1), first.plusSeconds(10), marks::add);
            assertThat(marks).extracting(HistoryMark::kind).containsExactly(HistoryMark.STATE, HistoryMark.START);
        }
        assertThat(userVersion(file)).isEqualTo(SqliteHealthStore.SCHEMA_VERSION);
    }

    private static int userVersion(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }

    @Test
    void aFileWrittenBeforeSchemaVersionsKeepsItsWindowsAndAlertsAndIsMigrated() throws Exception {
        Path file = copyOfV0();
        assertThat(userVersion(file)).isZero();
        Instant first = Instant.ofEpochMilli(1764673200000L);
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(4000))) {
            assertThat(store.windows(Instant.EPOCH, first.plusSeconds(3600))).extracting(StoredWindow::seen).containsExactly(50L, 40L, 30L);
            assertThat(store.windows(Instant.EPOCH, first.plusSeconds(3600)).get(0).classes()).singleElement()
                    .satisfies(c -> assertThat(c.bins()).containsEntry(70, 3L));
            assertThat(store.firingAlerts("cam-1")).singleElement().satisfies(a -> assertThat(a.signal()).isEqualTo("throughput_drop"));
            LatencyStats lat = new LatencyStats(20, 20, 20, 30, 40, 45);
            Instant end = first.plusSeconds(180);
            store.saveWindow(new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(60), end, 20, 20, 0, 0,
                    Map.of(), Map.of(), List.of(), List.of(new ClassStats("person", 1, 1, 0.5, 0.7, 0.9)), lat, lat, lat), "new");
            store.flush();
            List<Long> seen = new java.util.ArrayList<>();
            store.windows("cam-1", Instant.EPOCH, first.plusSeconds(3600), w -> seen.add(w.seen()));
            assertThat(seen).containsExactly(50L, 40L, 30L, 20L);
        }
        assertThat(userVersion(file)).isEqualTo(SqliteHealthStore.SCHEMA_VERSION);
        try (HealthStore again = HealthStore.open(dir, Duration.ofDays(4000))) {
            assertThat(again.windows(Instant.EPOCH, first.plusSeconds(3600))).hasSize(4);
        }
    }

    @Test
    void aFileOfANewerVersionIsRefusedNamingBothVersionsAndLeftAsItWas() throws Exception {
        Path file = copyOfV0();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = " + (SqliteHealthStore.SCHEMA_VERSION + 1));
        }
        byte[] before = Files.readAllBytes(file);
        assertThatThrownBy(() -> HealthStore.open(dir, Duration.ofDays(4000))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("schema version " + (SqliteHealthStore.SCHEMA_VERSION + 1))
                .hasMessageContaining("reads up to " + SqliteHealthStore.SCHEMA_VERSION)
                .hasMessageContaining("not changed");
        assertThat(Files.readAllBytes(file)).as("the newer file's bytes").isEqualTo(before);
    }

    private static long pragma(Path file, String name) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Test
    void windowsPrunedByTheRetentionGiveTheirSpaceBack() throws Exception {
        // health.db kept the pages of every window it ever pruned (6.8 MB of them here): the file never shrank, only
        // reused them
        Path file = dir.resolve("health.db");
        LatencyStats lat = new LatencyStats(20, 20, 20, 30, 40, 45);
        List<ClassStats> classes = new java.util.ArrayList<>();
        for (int k = 0; k < 150; k++) {
            classes.add(new ClassStats("class-with-a-long-name-" + k, 3, 2, 0.5, 0.7, 0.9));
        }
        Instant first = Instant.parse("2026-12-01T10:00:00Z");
        try (HealthStore store = HealthStore.open(dir, Duration.ofHours(1))) {
            for (int i = 0; i < 300; i++) {
                Instant end = first.plusSeconds(5L * i);
                store.saveWindow(new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(5), end, 20, 20, 0, 0,
                        Map.of(), Map.of(), List.of(), classes, lat, lat, lat), "v");
            }
            store.flush();
            long full = pragma(file, "page_count") * pragma(file, "page_size");
            assertThat(full).as("the windows' pages").isGreaterThan(6L * 1024 * 1024);
            // three hours on: every window above is past the hour kept
            Instant later = first.plus(Duration.ofHours(3));
            store.saveWindow(new WindowReport("cam-1", "m/1", "object-detection", later.minusSeconds(5), later, 20, 20, 0, 0,
                    Map.of(), Map.of(), List.of(), List.of(), lat, lat, lat), "v");
            store.flush();
            assertThat(store.windows(Instant.EPOCH, later.plusSeconds(1))).hasSize(1);
            long after = pragma(file, "page_count") * pragma(file, "page_size");
            assertThat(after).as("pages once pruned, of %d", full).isLessThan(full / 3);
        }
    }

    @Test
    void aFileMadeBeforeIncrementalVacuumIsSwitchedAtItsOpenAndKeepsItsRows() throws Exception {
        Path file = copyOf("health-v1.db");
        assertThat(pragma(file, "auto_vacuum")).isZero();
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(4000))) {
            assertThat(store.windows(Instant.EPOCH, Instant.ofEpochMilli(1764673200000L).plusSeconds(3600))).hasSize(3);
        }
        assertThat(pragma(file, "auto_vacuum")).as("incremental").isEqualTo(2);
        assertThat(userVersion(file)).isEqualTo(SqliteHealthStore.SCHEMA_VERSION);
    }
}
