package io.edgewatch.health;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.core.clock.ClockStep;
import io.edgewatch.health.alert.AlertEngine;
import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.sink.store.SqliteSalvage;
import io.edgewatch.sink.store.SqliteSpace;

/**
 * What health must not forget over a restart, in SQLite ({@code health.db} in the storage folder):
 * each camera's learnt baseline (with the model it was learnt for), the alert history, and every
 * window's figures (counts, per class confidence distributions, response times), kept for
 * {@code retention} and read back by the local statistics endpoint. Reads
 * happen at start; writes go to one thread of their own, in order, so no pipeline thread waits on
 * the disk. A write that fails is logged; the daemon goes on.
 */
final class SqliteHealthStore implements HealthStore {

    private static final Logger log = LoggerFactory.getLogger(SqliteHealthStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Connection db;
    /** Writes that may wait in memory, in order, while the disk refuses them. */
    private final int memoryQueue;
    private final Deque<Object[]> refused = new ArrayDeque<>();
    private volatile String storageProblem;
    private long droppedInMemory;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edgewatch-health-store");
        t.setDaemon(true);
        return t;
    });

    private final Duration retention;
    /** Written and read on the writer thread only: the floor of the last clock step, and the step that made the clock right. */
    private ClockFloor floor = ClockFloor.NONE;
    private Duration correction;
    private long prunedAt = Long.MIN_VALUE;

    private volatile String damage;

    private SqliteHealthStore(Path file, Connection db, Duration retention, int memoryQueue) {
        this.memoryQueue = memoryQueue;
        this.file = file;
        this.db = db;
        this.retention = retention;
    }

    /**
     * Opens (or creates) {@code folder/health.db}, keeping window history for {@code retention}. A
     * damaged file (not a database, or failing SQLite's {@code quick_check}) is moved aside with
     * its {@code -wal} and {@code -shm} as {@code health.db.damaged-<UTC time>}, every row of it
     * that can still be read is copied, in order, into a new {@code health.db}, and that one is
     * opened: the daemon keeps a store instead of going on with none. A permission error or a full
     * disk is no damage: it stays the error it is.
     */
    static SqliteHealthStore open(Path folder, Duration retention, int memoryQueue) {
        Path file = folder.resolve("health.db");
        try {
            Files.createDirectories(folder);
            SqliteSalvage.Opened<SqliteHealthStore> opened = SqliteSalvage.open(file, "health", db -> migrate(db, 0),
                    () -> openFile(file, retention, memoryQueue));
            SqliteHealthStore store = opened.store();
            store.damage = opened.salvage().map(SqliteSalvage.Result::message).orElse(null);
            return store;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("health store " + file + " cannot be opened: " + e.getMessage(), e);
        }
    }

    /**
     * What was found damaged when the store opened, and what was salvaged from it, in the words of
     * the log; null when it opened as it was. The daemon raises {@code storage_damaged:health} while
     * it is not null.
     */
    @Override
    public String damage() {
        return damage;
    }

    private static SqliteHealthStore openFile(Path file, Duration retention, int memoryQueue) throws SQLException {
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
        try {
            // before anything writes to it (the journal mode, a migration): damage SQLite meets only when it reads a page
            SqliteSalvage.checkContent(db, file);
            int version = schemaVersion(db);
            if (version > SCHEMA_VERSION) {
                // a downgrade: the newer tables may mean other things; leave the file as it is
                throw new IllegalStateException("health store " + file + " was written by a newer edgewatch (schema version "
                        + version + "; this one reads up to " + SCHEMA_VERSION + "): it was not changed; start the newer"
                        + " edgewatch again, or move the file aside to start a new history");
            }
            // before the journal mode, which writes a new file's first page (then no VACUUM is needed); a file made
            // before is switched by one VACUUM
            SqliteSpace.incremental(db, file, "health store", true);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                // no fsync per window: with WAL a power cut loses the last windows' figures at most, never
                // the file; one fsync per commit made each write wait on a busy SD card (and wore it)
                s.execute("PRAGMA synchronous=NORMAL");
            }
            migrate(db, version);
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        return new SqliteHealthStore(file, db, retention, memoryQueue);
    }

    /**
     * The schema this code writes ({@code PRAGMA user_version}): 0 is every file written before it
     * had a version (the tables of version 1 without the camera index); 1 adds
     * {@code windows_camera_end}; 2 adds {@code marks} (source state changes, starts, stops and
     * clock steps, for the history's state strip and time axis). A change of a table is a new
     * version and a step in {@link #migrate}.
     */
    static final int SCHEMA_VERSION = 2;

    private static int schemaVersion(Connection db) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Brings a file of schema {@code from} (0: none yet, or written before versions) to
     * {@link #SCHEMA_VERSION}, every step in one transaction with the new version: a file is either
     * migrated whole or left as it was.
     */
    private static void migrate(Connection db, int from) throws SQLException {
        if (from == SCHEMA_VERSION) {
            return;
        }
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            if (from < 1) {
                // the tables as every release before versions made them (IF NOT EXISTS: they are there in such a file)
                s.execute("CREATE TABLE IF NOT EXISTS baseline (camera TEXT PRIMARY KEY, model TEXT NOT NULL, "
                        + "learnt_at TEXT NOT NULL, json TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS windows (id INTEGER PRIMARY KEY AUTOINCREMENT, camera TEXT NOT NULL, "
                        + "model TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, seen INTEGER NOT NULL, "
                        + "inferred INTEGER NOT NULL, empty INTEGER NOT NULL, empty_call_ms REAL NOT NULL, errors INTEGER NOT NULL, "
                        + "call_ms REAL NOT NULL, inference_p95_ms REAL NOT NULL, version TEXT NOT NULL, classes TEXT NOT NULL, "
                        + "rolled INTEGER NOT NULL DEFAULT 0)");
                s.execute("CREATE INDEX IF NOT EXISTS windows_end ON windows (end_ms)");
                s.execute("CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, camera TEXT NOT NULL, "
                        + "signal TEXT NOT NULL, firing INTEGER NOT NULL, at TEXT NOT NULL, baseline REAL, current REAL, message TEXT)");
                // one camera's history is read by camera and range: without it a read scans every camera's rows
                s.execute("CREATE INDEX IF NOT EXISTS windows_camera_end ON windows (camera, end_ms)");
            }
            if (from < 2) {
                // camera NULL: the daemon's own marks, read with every camera's
                s.execute("CREATE TABLE marks (id INTEGER PRIMARY KEY AUTOINCREMENT, camera TEXT, at_ms INTEGER NOT NULL, "
                        + "kind TEXT NOT NULL, detail TEXT)");
                s.execute("CREATE INDEX marks_camera_at ON marks (camera, at_ms)");
            }
            s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            db.commit();
            if (from > 0) {
                log.info("health store: schema migrated from version {} to {}", from, SCHEMA_VERSION);
            }
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    @Override
    public boolean keepsHistory() {
        return true;
    }

    @Override
    public Path file() {
        return file;
    }

    /** The baseline kept for the camera, if it was learnt for this model; else null (learn again). */
    @Override
    public synchronized AlertEngine.Baseline baseline(String camera, String model) {
        try (PreparedStatement q = db.prepareStatement("SELECT model, json FROM baseline WHERE camera = ?")) {
            q.setString(1, camera);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (!rs.getString(1).equals(model)) {
                    log.info("camera {}: the kept baseline was learnt for model {}, not {}: learning again", camera,
                            rs.getString(1), model);
                    return null;
                }
                return JSON.readValue(rs.getString(2), AlertEngine.Baseline.class);
            }
        } catch (SQLException | IOException e) {
            log.warn("camera {}: the kept baseline in {} cannot be read ({}): learning again", camera, file, e.getMessage());
            return null;
        }
    }

    /** Keeps a camera's baseline, replacing the one before. */
    @Override
    public void saveBaseline(String camera, String model, AlertEngine.Baseline baseline) {
        write("baseline of " + camera, () -> {
            try (PreparedStatement u = db.prepareStatement("INSERT OR REPLACE INTO baseline VALUES (?, ?, ?, ?)")) {
                u.setString(1, camera);
                u.setString(2, model);
                u.setString(3, Instant.now().toString());
                u.setString(4, JSON.writeValueAsString(baseline));
                u.executeUpdate();
            }
        });
    }

    /** Forgets a camera's baseline. */
    @Override
    public void deleteBaseline(String camera) {
        write("baseline of " + camera, () -> {
            try (PreparedStatement u = db.prepareStatement("DELETE FROM baseline WHERE camera = ?")) {
                u.setString(1, camera);
                u.executeUpdate();
            }
        });
    }

    /** Appends an alert's start or clear to the history. */
    @Override
    public void saveAlert(AlertEvent e) {
        write("alert " + e.signal() + " of " + e.cameraId(), () -> {
            try (PreparedStatement u = db.prepareStatement(
                    "INSERT INTO alerts (camera, signal, firing, at, baseline, current, message) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                u.setString(1, e.cameraId());
                u.setString(2, e.signal());
                u.setInt(3, e.firing() ? 1 : 0);
                u.setString(4, e.at().toString());
                u.setDouble(5, e.baseline());
                u.setDouble(6, e.current());
                u.setString(7, e.message());
                u.executeUpdate();
            }
        });
    }

    @Override
    public void saveMark(HistoryMark m) {
        write(m.kind() + " mark" + (m.daemon() ? "" : " of " + m.camera()), () -> {
            try (PreparedStatement u = db.prepareStatement("INSERT INTO marks (camera, at_ms, kind, detail) VALUES (?, ?, ?, ?)")) {
                u.setString(1, m.camera());
                u.setLong(2, m.at().toEpochMilli());
                u.setString(3, m.kind());
                u.setString(4, m.detail());
                u.executeUpdate();
            }
        });
    }

    /**
     * The camera's state before {@code from} (its last state mark there), then its marks and the
     * daemon's in the range, by time: two indexed reads ({@code marks_camera_at}).
     */
    @Override
    public synchronized void marks(String camera, Instant from, Instant to, Consumer<HistoryMark> each) {
        try {
            try (PreparedStatement q = db.prepareStatement("SELECT camera, at_ms, kind, detail FROM marks WHERE camera = ? "
                    + "AND kind = '" + HistoryMark.STATE + "' AND at_ms < ? ORDER BY at_ms DESC, id DESC LIMIT 1")) {
                q.setString(1, camera);
                q.setLong(2, from.toEpochMilli());
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        each.accept(mark(rs));
                    }
                }
            }
            try (PreparedStatement q = db.prepareStatement("SELECT camera, at_ms, kind, detail FROM marks WHERE "
                    + "(camera = ? OR camera IS NULL) AND at_ms >= ? AND at_ms <= ? ORDER BY at_ms, id")) {
                q.setString(1, camera);
                q.setLong(2, from.toEpochMilli());
                q.setLong(3, to.toEpochMilli());
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        each.accept(mark(rs));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the history marks in " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static HistoryMark mark(ResultSet rs) throws SQLException {
        return new HistoryMark(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4));
    }

    /**
     * Keeps a window's figures: one row per report (camera and model), the classes as JSON with
     * their confidence histograms in sparse form. Windows older than the retention are pruned
     * at most once an hour.
     */
    @Override
    public void saveWindow(WindowReport r, String version) {
        write("window of " + r.cameraId() + " ending " + r.windowEnd(), () -> {
            StoredWindow w = StoredWindow.of(r, version);
            if (correction != null && floor.wrong(w.start())) {
                // labelled on the clock before the step that corrected it, and come after it: moved as the others were
                w = w.shifted(correction);
            }
            try (PreparedStatement u = db.prepareStatement(INSERT)) {
                insert(u, w, false);
            }
            long now = w.end().toEpochMilli();
            if (prunedAt == Long.MIN_VALUE || now - prunedAt > 3_600_000L) {
                prunedAt = now;
                try (PreparedStatement d = db.prepareStatement("DELETE FROM windows WHERE end_ms < ?")) {
                    d.setLong(1, now - retention.toMillis());
                    int n = d.executeUpdate();
                    if (n > 0) {
                        log.debug("pruned {} windows older than {} from {}", n, retention, file);
                    }
                }
                try (PreparedStatement d = db.prepareStatement("DELETE FROM marks WHERE at_ms < ?")) {
                    d.setLong(1, now - retention.toMillis());
                    d.executeUpdate();
                }
                compact(now - DETAIL.toMillis());
                // what the retention and the roll-up freed is given back, at most a step an hour
                SqliteSpace.giveBack(db);
            }
        });
    }

    @Override
    public void clockStepped(ClockFloor floor, ClockStep step) {
        write("the re-stamp of the history by a clock step of " + step.seconds() + " s", () -> {
            long by = step.size().toMillis();
            long before = floor.earliest().equals(Instant.MIN) ? Long.MIN_VALUE : floor.earliest().toEpochMilli();
            boolean auto = db.getAutoCommit();
            db.setAutoCommit(false);
            int windows;
            int marks;
            try {
                try (PreparedStatement u = db.prepareStatement(
                        "UPDATE windows SET start_ms = start_ms + ?, end_ms = end_ms + ? WHERE end_ms < ?")) {
                    u.setLong(1, by);
                    u.setLong(2, by);
                    u.setLong(3, before);
                    windows = u.executeUpdate();
                }
                try (PreparedStatement u = db.prepareStatement("UPDATE marks SET at_ms = at_ms + ? WHERE at_ms < ?")) {
                    u.setLong(1, by);
                    u.setLong(2, before);
                    marks = u.executeUpdate();
                }
                db.commit();
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(auto);
            }
            this.floor = floor;
            boolean right = !floor.wrong(step.after());
            correction = !right ? null : floor.wrong(step.before()) ? step.size() : correction;
            if (windows + marks > 0) {
                log.info("health store {}: {} windows and {} marks made while the wall clock was wrong (before {}) re-stamped by"
                        + " {} s", file, windows, marks, floor.earliest(), step.size().toSeconds());
            }
        });
    }

    /** Windows are kept as they came for this long; older ones are rolled up into one row an hour. */
    static final Duration DETAIL = Duration.ofHours(24);
    private static final long HOUR = 3_600_000L;

    /**
     * Rolls the windows that ended before {@code before} up into one row per camera, model and
     * hour (by window end): counts, sums and histograms add, so the statistics of any period of
     * whole hours stay exact; the inference p95 becomes the mean of the windows' p95s weighted by
     * inferences (for pinned baselines). A day of 5 s windows with a few classes is ~15 MB; rolled
     * up, ~0.2 MB. Runs on the writer thread, in one transaction; the rows stream in ordered by
     * camera, model and end, so it holds the windows of one hour of one camera at a time and the
     * rolled rows, however many windows wait (a store that could not roll up for days holds days of them).
     */
    void compact(long before) throws SQLException, IOException {
        long cut = before - Math.floorMod(before, HOUR); // whole hours only
        boolean auto = db.getAutoCommit();
        db.setAutoCommit(false);
        int windows = 0;
        // rolled rows are written once the read is done: SQLite leaves a cursor undefined when its
        // table changes under it. They are one per camera, model and hour: far fewer than the windows.
        List<StoredWindow> rolled = new ArrayList<>();
        try {
            try (PreparedStatement q = db.prepareStatement("SELECT " + COLUMNS + " FROM windows "
                    + "WHERE end_ms < ? AND rolled = 0 ORDER BY camera, model, end_ms, id")) {
                q.setLong(1, cut);
                List<StoredWindow> group = new ArrayList<>();
                String key = null;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        StoredWindow w = window(rs);
                        long hour = Math.floorDiv(w.end().toEpochMilli(), HOUR); // as queries count them: [h, h + 1)
                        String k = w.camera() + "\u0000" + w.model() + "\u0000" + hour;
                        if (!k.equals(key) && !group.isEmpty()) {
                            rolled.add(rollUp(group));
                            group.clear();
                        }
                        key = k;
                        group.add(w);
                        windows++;
                    }
                }
                if (!group.isEmpty()) {
                    rolled.add(rollUp(group));
                }
            }
            if (windows == 0) {
                db.rollback();
                return;
            }
            try (PreparedStatement d = db.prepareStatement("DELETE FROM windows WHERE end_ms < ? AND rolled = 0")) {
                d.setLong(1, cut);
                d.executeUpdate();
            }
            try (PreparedStatement u = db.prepareStatement(INSERT)) {
                for (StoredWindow w : rolled) {
                    insert(u, w, true);
                }
            }
            db.commit();
            log.debug("rolled {} windows up into {} hourly rows in {}", windows, rolled.size(), file);
        } catch (SQLException | IOException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(auto);
        }
    }

    /** One row for windows of one camera, model and hour. */
    static StoredWindow rollUp(List<StoredWindow> g) {
        StoredWindow first = g.get(0);
        Instant start = first.start();
        Instant end = first.end();
        long seen = 0;
        long inferred = 0;
        long empty = 0;
        long errors = 0;
        double emptyCall = 0;
        double call = 0;
        double p95Weighted = 0;
        Map<String, double[]> sums = new LinkedHashMap<>(); // count, frames, conf, call, min, max
        Map<String, Map<Integer, Long>> bins = new LinkedHashMap<>();
        for (StoredWindow w : g) {
            start = w.start().isBefore(start) ? w.start() : start;
            end = w.end().isAfter(end) ? w.end() : end;
            seen += w.seen();
            inferred += w.inferred();
            empty += w.empty();
            errors += w.errors();
            emptyCall += w.emptyCallMillis();
            call += w.callMillis();
            p95Weighted += w.inferenceP95Millis() * w.inferred();
            for (StoredWindow.ClassRow c : w.classes()) {
                double[] a = sums.computeIfAbsent(c.name(), k -> new double[] {0, 0, 0, 0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY});
                a[0] += c.count();
                a[1] += c.frames();
                a[2] += c.confidenceSum();
                a[3] += c.callMillis();
                a[4] = Math.min(a[4], c.min());
                a[5] = Math.max(a[5], c.max());
                Map<Integer, Long> b = bins.computeIfAbsent(c.name(), k -> new TreeMap<>());
                c.bins().forEach((i, n) -> b.merge(i, n, Long::sum));
            }
        }
        List<StoredWindow.ClassRow> classes = new ArrayList<>();
        sums.forEach((name, a) -> classes.add(new StoredWindow.ClassRow(name, (long) a[0], (long) a[1], a[2], a[3], a[4], a[5],
                bins.get(name))));
        return new StoredWindow(first.camera(), first.model(), start, end, seen, inferred, empty, emptyCall, errors, call,
                inferred == 0 ? 0 : p95Weighted / inferred, g.get(g.size() - 1).version(), classes);
    }

    /** A window row's columns, in the order {@link #insert} writes and {@link #window} reads them. */
    private static final String COLUMNS = "camera, model, start_ms, end_ms, seen, inferred, empty, empty_call_ms, errors, call_ms, "
            + "inference_p95_ms, version, classes";
    private static final String INSERT = "INSERT INTO windows (" + COLUMNS + ", rolled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static void insert(PreparedStatement u, StoredWindow w, boolean rolled) throws SQLException, IOException {
        u.setString(1, w.camera());
        u.setString(2, w.model());
        u.setLong(3, w.start().toEpochMilli());
        u.setLong(4, w.end().toEpochMilli());
        u.setLong(5, w.seen());
        u.setLong(6, w.inferred());
        u.setLong(7, w.empty());
        u.setDouble(8, w.emptyCallMillis());
        u.setLong(9, w.errors());
        u.setDouble(10, w.callMillis());
        u.setDouble(11, w.inferenceP95Millis());
        u.setString(12, w.version());
        u.setString(13, JSON.writeValueAsString(w.classes()));
        u.setInt(14, rolled ? 1 : 0);
        u.executeUpdate();
    }

    /** The window in the current row, selected as {@link #COLUMNS} first. */
    private static StoredWindow window(ResultSet rs) throws SQLException, IOException {
        return new StoredWindow(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                Instant.ofEpochMilli(rs.getLong(4)), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getDouble(8),
                rs.getLong(9), rs.getDouble(10), rs.getDouble(11), rs.getString(12), JSON.readValue(rs.getString(13), CLASS_ROWS));
    }

    /**
     * Streams the rows from SQLite into {@code each}: one parsed window at a time, filtered by
     * camera and range in SQL (index {@code windows_camera_end}), so a read of any range costs the
     * memory of what {@code each} keeps. Holds the store while it reads (writes wait on their own
     * thread, pipelines do not).
     */
    @Override
    public synchronized void windows(String camera, Instant from, Instant to, Consumer<StoredWindow> each) {
        String sql = "SELECT " + COLUMNS + " FROM windows WHERE " + (camera == null ? "" : "camera = ? AND ")
                + "end_ms >= ? AND end_ms < ? ORDER BY end_ms, id";
        try (PreparedStatement q = db.prepareStatement(sql)) {
            int i = 1;
            if (camera != null) {
                q.setString(i++, camera);
            }
            q.setLong(i++, from.toEpochMilli());
            q.setLong(i, to.toEpochMilli());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    each.accept(window(rs));
                }
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("the window history in " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static final TypeReference<List<StoredWindow.ClassRow>> CLASS_ROWS =
            new TypeReference<>() {
            };

    /** Waits until every write queued so far is done (tests, and reads that must see the last window). */
    @Override
    public void flush(Duration wait) {
        try {
            writer.submit(() -> { }).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException
                 | RejectedExecutionException e) {
            log.debug("health store flush: {}", e.toString());
        }
    }

    /** The camera's alerts whose last event is a start: what was firing when the daemon stopped. */
    @Override
    public synchronized List<AlertEvent> firingAlerts(String camera) {
        List<AlertEvent> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT camera, signal, firing, at, baseline, current, message FROM alerts "
                + "WHERE id IN (SELECT MAX(id) FROM alerts WHERE camera = ? GROUP BY signal) AND firing = 1 ORDER BY signal")) {
            q.setString(1, camera);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(alert(rs));
                }
            }
        } catch (SQLException e) {
            log.warn("camera {}: the alerts firing before the restart cannot be read from {}: {}", camera, file, e.getMessage());
        }
        return out;
    }

    /** The alert in the current row, selected as {@code camera, signal, firing, at, baseline, current, message}. */
    private static AlertEvent alert(ResultSet rs) throws SQLException {
        return new AlertEvent(rs.getString(1), rs.getString(2), rs.getInt(3) == 1, Instant.parse(rs.getString(4)),
                rs.getDouble(5), rs.getDouble(6), rs.getString(7));
    }

    /** The last {@code limit} alert starts and clears, newest first. */
    @Override
    public synchronized List<AlertEvent> recentAlerts(int limit) {
        List<AlertEvent> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement(
                "SELECT camera, signal, firing, at, baseline, current, message FROM alerts ORDER BY id DESC LIMIT ?")) {
            q.setInt(1, limit);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(alert(rs));
                }
            }
        } catch (SQLException e) {
            log.warn("the alert history in {} cannot be read: {}", file, e.getMessage());
        }
        return out;
    }

    private interface Write {
        void run() throws Exception;
    }

    private void write(String what, Write w) {
        try {
            writer.execute(() -> {
                synchronized (this) {
                    if (!refused.isEmpty()) {
                        hold(what, w);
                        return;
                    }
                    attempt(what, w);
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("{} not kept: the health store {} is closed", what, file);
        }
    }

    /** Runs one write; one the disk refuses waits in memory, with every later one, until it takes them again. */
    private boolean attempt(String what, Write w) {
        try {
            w.run();
            return true;
        } catch (Exception e) {
            if (!(e instanceof SQLException) && !(e.getCause() instanceof SQLException)) {
                log.warn("{} could not be kept in {}: {}", what, file, e.getMessage());
                return true;
            }
            reset();
            if (storageProblem == null) {
                log.error("health store {}: the disk refused a write ({}); writes wait in memory (at most {}) and are done in"
                        + " order once it takes them again", file, e.getMessage(), memoryQueue);
            }
            storageProblem = "health store " + file + ": cannot write: " + e.getMessage();
            hold(what, w);
            writer.schedule(this::retryRefused, 1, TimeUnit.SECONDS);
            return false;
        }
    }

    private void hold(String what, Write w) {
        if (refused.size() >= memoryQueue) {
            refused.removeFirst();
            droppedInMemory++;
            if (Long.bitCount(droppedInMemory) == 1) {
                log.warn("health store {}: {} writes wait in memory for the disk, the most allowed: dropped the oldest; {} in all",
                        file, memoryQueue, droppedInMemory);
            }
        }
        refused.addLast(new Object[] {what, w});
    }

    private synchronized void retryRefused() {
        int done = 0;
        while (!refused.isEmpty()) {
            Object[] next = refused.removeFirst();
            if (!attempt((String) next[0], (Write) next[1])) {
                // attempt() put it back last: restore its place at the front
                refused.addFirst(refused.removeLast());
                return;
            }
            done++;
        }
        if (storageProblem != null) {
            log.info("health store {}: the disk takes writes again: {} writes that waited in memory are done, in order", file, done);
            storageProblem = null;
        }
    }

    /** After a failed write: no transaction left open. */
    private void reset() {
        try {
            if (!db.getAutoCommit()) {
                try {
                    db.rollback();
                } catch (SQLException ended) {
                    // SQLite ended it already (a failed commit)
                }
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            log.debug("health store reset: {}", e.toString());
        }
    }

    @Override
    public String storageProblem() {
        return storageProblem;
    }

    /** Finishes the pending writes, then closes. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("health store {}: writes still pending at close", file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                db.close();
            } catch (SQLException e) {
                log.warn("closing {} failed: {}", file, e.getMessage());
            }
        }
    }
}
