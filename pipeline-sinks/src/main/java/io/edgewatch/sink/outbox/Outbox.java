package io.edgewatch.sink.outbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.sink.store.SqliteSalvage;
import io.edgewatch.sink.store.SqliteSpace;

/**
 * A durable queue of requests on local disk (SQLite, write-ahead log, {@code synchronous=FULL}):
 * once {@link #append} returns, the entry survives a crash, a {@code kill -9} or a power cut, and
 * stays until {@link #delete} after a successful delivery. Delivery is at least once: an entry
 * whose request reached the server but whose answer was lost is sent again.
 *
 * <p>Group commit: what several threads append at once goes in one transaction. An appender puts
 * its entry in the arrival queue and takes the lock; the first to get it commits everything that
 * arrived (its own entry and those of the threads waiting behind it), so each of them finds its
 * entry committed when its turn comes. Nothing waits for company: a lone appender commits at once,
 * and a batch holds what arrived during the previous commit's sync to disk. Every entry is still
 * committed before its {@link #append} returns. {@link #appendAll} commits several entries as one:
 * all of them or none.
 *
 * <p>An entry is refused only for what is wrong with it: one without a destination, camera id,
 * kind or body is refused before it is batched, and one the database refuses (a constraint) is
 * set aside alone, its batch committed without it; both throw {@link IllegalArgumentException}
 * to their caller and are counted ({@link #refused()}). Only a failure of the disk (full, I/O
 * error, locked past the busy timeout) sends entries to the memory queue.
 *
 * <p>Bounded: when {@code maxEntries} are waiting, appending first evicts the oldest entries; how
 * many were evicted is logged and counted. Counters survive restarts. All methods are blocking
 * JDBC calls and synchronised; callers run them off event loops (see {@link OutboxSender}).
 *
 * <p>Held while the wall clock is known wrong ({@link #holdWhileClockWrong}; off unless called): an
 * entry stamped earlier than the build's time is kept but not handed to a sender ({@link #after}),
 * nor any later entry of its camera and destination, until {@link #clockStepped} re-stamps it
 * through its destination's {@link Restamper} and releases it, or {@link #releaseOverdue} sends it
 * flagged after the hold.
 *
 * <p>Versioned: the file carries its schema version ({@code PRAGMA user_version}); an older one is
 * migrated at open, in one transaction, and a newer one (written by a later edgewatch) is refused,
 * untouched, with both versions named. Once {@link #close closed}, every call throws
 * {@link IllegalStateException}; nothing reopens the file.
 */
public final class Outbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    /** Dead letters put back per transaction ({@link #retryDeadLetters}). */
    private static final int RETRY_CHUNK = 256;
    /** The counter of dead letters put back ({@link #putBack}). */
    private static final String PUT_BACK = "put_back";
    /** How many accepted entries may wait in memory while the disk refuses them ({@code storage.memory_queue}). */
    public static final int DEFAULT_MEMORY_QUEUE = 10_000;
    /**
     * How many bytes of bodies may wait in memory at most, whatever their count: a few hundred samples (0.3-1 MB each)
     * would otherwise exhaust the daemon's heap while the disk is full.
     */
    public static final long DEFAULT_MEMORY_QUEUE_BYTES = 32L * 1024 * 1024;
    /** The bytes the file's data may take at most, dead letters included ({@code storage.outbox_max_mb}). */
    public static final long DEFAULT_MAX_BYTES = 1024L * 1024 * 1024;
    private static final long FLUSH_EVERY_MILLIS = 1000;
    /** How long entries made on a wall clock known wrong wait for a step that corrects it ({@code storage.wrong_clock_hold}). */
    public static final Duration DEFAULT_WRONG_CLOCK_HOLD = Duration.ofHours(24);
    /** How often entries held past their hold are looked for ({@link #releaseOverdue}). */
    private static final long OVERDUE_EVERY_SECONDS = 10;
    /** How long a write waits for another connection's write lock ({@code busy_timeout}). */
    private static final Duration BUSY_TIMEOUT = Duration.ofSeconds(5);
    /** How long another process may hold the write lock before it counts as the disk refusing ({@code storage_full}). */
    static final Duration LOCKED_ALERT = Duration.ofMinutes(1);
    /** Entries that waited in memory committed per transaction once the disk takes them again. */
    private static final int FLUSH_BATCH = 500;

    /**
     * The schema this code writes. 0 is the schema of every release before versions were kept (no
     * {@code user_version}); each step of {@link #MIGRATIONS} takes a file one version up.
     */
    static final int SCHEMA_VERSION = 2;
    /** {@code MIGRATIONS.get(v)}: the statements that take a file from version {@code v} to {@code v + 1}. */
    private static final List<List<String>> MIGRATIONS = List.of(
            // 0 to 1: oldest-entry ages from an index instead of every row's blob (stats() and report() on each scrape)
            List.of("CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at)",
                    "CREATE INDEX IF NOT EXISTS outbox_destination_created ON outbox (destination, created_at)"),
            // 1 to 2: entries made while the wall clock was known wrong are held until a step corrects it (holdWhileClockWrong)
            List.of("ALTER TABLE outbox ADD COLUMN held INTEGER NOT NULL DEFAULT 0",
                    "CREATE INDEX IF NOT EXISTS outbox_held ON outbox (destination, camera_id, id) WHERE held = 1"));
    /** The schema of version 0, as every release before versions were kept made it; a new file starts from it. */
    private static final List<String> SCHEMA_0 = List.of(
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
            "INSERT OR IGNORE INTO counters (name, value) VALUES ('accepted', 0), ('delivered', 0), ('retries', 0), ('evicted', 0)");
    /**
     * What the write-ahead log is cut back to once checkpointed ({@code journal_size_limit}): without it the file keeps
     * the size of its largest transaction (a flush of hundreds of samples) for ever.
     */
    static final long JOURNAL_SIZE_LIMIT = SqliteSpace.JOURNAL_SIZE_LIMIT;
    /**
     * The oldest entry made before this process opened the outbox (ids below the parameter): a walk of
     * {@code outbox_created} from its smallest key, no row read ({@code +id}: the rowid's own index is not the way in).
     */
    static final String OLDEST_SQL = "SELECT created_at FROM outbox WHERE +id < ? ORDER BY created_at LIMIT 1";
    /** The oldest entry this process made: the smallest id from its first, on the rowid's b-tree. */
    private static final String OLDEST_OWN_SQL = "SELECT MIN(id) FROM outbox WHERE id >= ?";
    /** When the monotonic times of this process's appends ({@link #appendedAt}) are kept this many, every other goes. */
    private static final int MOST_APPEND_TIMES = 4096;
    /** Per destination, its depth and oldest entry: a scan of {@code outbox_destination_created}, no row read. */
    static final String REPORT_SQL = "SELECT destination, COUNT(*), MIN(created_at) FROM outbox GROUP BY destination";

    /**
     * SQLite's primary result codes that can be the fault of the entry itself (a constraint, too big, a type mismatch,
     * out of range): the entry is refused. Every other failure is taken as the disk's, and the entry waits in memory.
     */
    private static final Set<Integer> ENTRY_FAULTS = Set.of(18, 19, 20, 25);

    /**
     * What the outbox holds at most.
     *
     * @param maxEntries entries waiting, and apart dead letters ({@code storage.outbox_max_entries})
     * @param maxBytes the file's data, entries and dead letters together, measured as its pages in use
     *                 ({@code (page_count - freelist_count) * page_size}; {@code storage.outbox_max_mb})
     * @param memoryQueue entries waiting in memory while the disk refuses commits ({@code storage.memory_queue})
     * @param memoryQueueBytes their bodies' bytes
     */
    public record Limits(long maxEntries, long maxBytes, int memoryQueue, long memoryQueueBytes) {

        /** {@code maxEntries} with the other defaults. */
        public static Limits of(long maxEntries) {
            return new Limits(maxEntries, DEFAULT_MAX_BYTES, DEFAULT_MEMORY_QUEUE, DEFAULT_MEMORY_QUEUE_BYTES);
        }
    }

    /**
     * One entry to append with {@link #appendAll}: the same four things {@link #append} takes, none of them null, and
     * the wall time its body was stamped with when that is not the time of the append ({@code stampedAt}, or null): a
     * window's report is stamped when the window opened, on the clock of then, which a step may have corrected since.
     */
    public record NewEntry(String destination, String cameraId, String kind, byte[] body, Instant stampedAt) {

        /** An entry stamped at its append. */
        public NewEntry(String destination, String cameraId, String kind, byte[] body) {
            this(destination, cameraId, kind, body, null);
        }
    }

    private Connection db;
    private boolean closed;
    private SqliteSalvage.Result damage;
    /** The statements of every commit ({@link #insert}, {@link #bump}), prepared once per connection. */
    private final Map<String, PreparedStatement> prepared = new HashMap<>();
    private final long maxEntries;
    private final long maxBytes;
    /** Whether the next {@link #connect} switches the file to incremental vacuum (the daemon's open only). */
    private boolean switchToIncremental;
    /** The file's page size, read once. */
    private long pageSize;
    private final int memoryQueue;
    private final long memoryQueueBytes;
    /** Accepted, not yet on disk (the disk refused them), oldest first. */
    private final Deque<Pending> waiting = new ArrayDeque<>();
    /** The entries of {@link #waiting} (one append of several counts for each). */
    private int waitingEntries;
    private long waitingBytes;
    private long evictedInMemory;
    /** Of {@link #evictedInMemory}, those not yet added to the {@code evicted} counter on disk (at the next commit). */
    private long evictedUnrecorded;
    private final AtomicLong refused = new AtomicLong();
    private volatile String storageProblem;
    /** Whether, and since when (on {@link #nanos}, under the lock), another process holds the write lock past the busy timeout. */
    private boolean locked;
    private long lockedSince;
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edgewatch-outbox-flush");
        t.setDaemon(true);
        return t;
    });

    /** Entries appended and not yet taken by a committer, in arrival order. */
    private final ConcurrentLinkedQueue<Pending> arriving = new ConcurrentLinkedQueue<>();
    private long transactions;
    private long grouped;

    /**
     * One append: its entries go in together or not at all. {@code ids} is set (under the lock) once they are
     * committed, or to -1 each once they wait in memory; {@code refusal} once the database refused them.
     */
    private static final class Pending {
        final List<NewEntry> entries;
        final long createdAt;
        /** When it was appended, on the outbox's monotonic clock. */
        final long createdNanos;
        final long bytes;
        long[] ids;
        RuntimeException refusal;
        boolean settled;

        Pending(List<NewEntry> entries, long createdAt, long createdNanos) {
            this.entries = entries;
            this.createdAt = createdAt;
            this.createdNanos = createdNanos;
            this.bytes = entries.stream().mapToLong(e -> e.body().length).sum();
        }

        void settle(long[] committedIds) {
            ids = committedIds;
            settled = true;
        }

        void inMemory() {
            long[] none = new long[entries.size()];
            Arrays.fill(none, -1);
            settle(none);
        }

        void refuse(RuntimeException why) {
            refusal = why;
            settled = true;
        }

        String describe() {
            NewEntry e = entries.get(0);
            return (entries.size() == 1 ? "a " + e.kind() : entries.size() + " entries (" + e.kind() + ", ...)") + " of camera "
                    + e.cameraId() + " for " + e.destination();
        }
    }
    private final Clock clock;
    /**
     * The monotonic clock (ns) the ages of entries are measured on, so a step of the wall clock neither zeroes them
     * (back) nor raises an hour's backlog (forward): {@code System::nanoTime} but in tests.
     */
    private final LongSupplier nanos;
    /** The wall clock and the monotonic one when the outbox opened: entries from before are aged from there. */
    private final long openedMillis;
    private final long openedNanos;
    /** The first id committed by this process ({@link Long#MAX_VALUE} before its first commit): ids below are older. */
    private long firstOwnId = Long.MAX_VALUE;
    /**
     * Under the lock: when this process committed its entries, on {@link #nanos}, by the first id of a commit; at most
     * one per {@link #appendTimeStep} ns (thinned, and that doubled, past {@link #MOST_APPEND_TIMES}), and those before
     * the oldest entry forgotten. An entry's age is measured from the time kept for the greatest id at or below its own.
     */
    private final TreeMap<Long, Long> appendedAt = new TreeMap<>();
    private long appendTimeStep = 1_000_000_000L;
    private final Path file;
    private long depth;
    /** A wall time earlier than this is known wrong: what is stamped with one is held ({@link #holdWhileClockWrong}). */
    private volatile ClockFloor floor = ClockFloor.NONE;
    /** How long an entry is held at most, waiting for a step of the clock; null while nothing is held. */
    private volatile Duration hold;
    /** The step that made the clock right, once one did: what an entry stamped before it and appended after it is moved by. */
    private Duration correction;
    /**
     * Entries up to this id were held by an earlier run and found held with the clock right at this one's start: no step
     * will correct them, they go out flagged at the next {@link #releaseOverdue}; 0 when there are none.
     */
    private long staleUpTo;
    private final Map<String, Restamper> restampers = new ConcurrentHashMap<>();
    /** Releases of held entries so far: a sender that sees it move reads again from its oldest entry. */
    private final AtomicLong releases = new AtomicLong();

    private Outbox(Path file, Limits limits, Clock clock, LongSupplier nanos, boolean switchToIncremental) throws SQLException {
        this.file = file;
        this.nanos = nanos;
        this.openedMillis = clock.millis();
        this.openedNanos = nanos.getAsLong();
        this.switchToIncremental = switchToIncremental;
        this.maxEntries = limits.maxEntries();
        this.maxBytes = limits.maxBytes();
        this.memoryQueue = limits.memoryQueue();
        this.memoryQueueBytes = limits.memoryQueueBytes();
        this.clock = clock;
        this.db = connect();
        try {
            // damage SQLite meets only when it reads a page (a zeroed page, a file cut short), found now, not by a sender
            SqliteSalvage.checkContent(db, file);
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox")) {
                depth = rs.next() ? rs.getLong(1) : 0;
            }
            endRead();
        } catch (SQLException | RuntimeException e) {
            try {
                db.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A connection with the pragmas every one needs, on a file of {@link #SCHEMA_VERSION} (migrated first when older);
     * closed again if any of that fails.
     */
    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try {
            try (Statement s = c.createStatement()) {
                // first: the journal mode of a new file and a migration write, and wait for another writer to do so
                s.execute("PRAGMA busy_timeout=" + BUSY_TIMEOUT.toMillis());
                // before anything writes the file: a newer edgewatch's file is left exactly as it is
                int version = userVersion(s);
                if (version > SCHEMA_VERSION) {
                    throw new SQLException("it was written by a newer edgewatch (schema version " + version
                            + "; this edgewatch knows versions up to " + SCHEMA_VERSION + "), and is left untouched: run that"
                            + " version, or move the file aside to start with an empty outbox");
                }
                // before the journal mode, which writes a new file's first page: then it takes effect without a VACUUM;
                // the daemon's open switches a file made before (a VACUUM), a command beside it never rewrites the file
                SqliteSpace.incremental(c, file, "outbox", switchToIncremental);
                switchToIncremental = false;
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
                    String mode = rs.next() ? rs.getString(1) : null;
                    if (!"wal".equalsIgnoreCase(mode)) {
                        log.warn("outbox {}: SQLite kept the journal mode {} instead of WAL: commits are slower and a reader"
                                + " (edgewatch outbox) can hold up the daemon's writes", file, mode);
                    }
                }
                s.execute("PRAGMA synchronous=FULL");
                if (version < SCHEMA_VERSION) {
                    migrate(s);
                }
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static int userVersion(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Brings the file to {@link #SCHEMA_VERSION} in one transaction, taken with the write lock from its start
     * (IMMEDIATE): a deferred one would read first, and then could not wait for another writer (SQLITE_BUSY at once).
     * The version is read again inside it, as another process may have migrated the file meanwhile.
     */
    private void migrate(Statement s) throws SQLException {
        s.execute("BEGIN IMMEDIATE");
        try {
            int from = userVersion(s);
            if (from > SCHEMA_VERSION) {
                throw new SQLException("a newer edgewatch migrated it meanwhile (schema version " + from
                        + "; this edgewatch knows versions up to " + SCHEMA_VERSION + ")");
            }
            if (from < SCHEMA_VERSION) {
                steps(s, from);
            }
            s.execute("COMMIT");
            if (from < SCHEMA_VERSION && from > 0 || from == 0 && depthOf(s) > 0) {
                log.info("outbox {}: schema version {} migrated to {}", file, from, SCHEMA_VERSION);
            }
        } catch (SQLException | RuntimeException e) {
            try {
                s.execute("ROLLBACK");
            } catch (SQLException notActive) {
                e.addSuppressed(notActive);
            }
            throw e;
        }
    }

    private static long depthOf(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Opens (creating it and its folder when missing) the outbox in {@code folder}/outbox.db.
     *
     * @throws IllegalStateException naming the file when it cannot be opened
     */
    public static Outbox open(Path folder, long maxEntries, Clock clock) {
        return open(folder, maxEntries, DEFAULT_MEMORY_QUEUE, clock);
    }

    /**
     * Opens the outbox; while its disk refuses to commit (full, failing), up to {@code memoryQueue}
     * accepted entries wait in memory, in order, and are committed as soon as it takes them again.
     *
     * @throws IllegalStateException naming the file when it cannot be opened
     */
    public static Outbox open(Path folder, long maxEntries, int memoryQueue, Clock clock) {
        return open(folder, maxEntries, memoryQueue, DEFAULT_MEMORY_QUEUE_BYTES, clock);
    }

    /**
     * Opens the outbox; while its disk refuses to commit, up to {@code memoryQueue} accepted entries and
     * {@code memoryQueueBytes} of their bodies wait in memory (the oldest dropped, and counted as evicted, past
     * either), and are committed as soon as it takes them again. What waits there is lost to a {@code kill -9}, a
     * power cut, or a stop while the disk still refuses: the start says so in the log.
     *
     * @throws IllegalStateException naming the file when it cannot be opened
     */
    public static Outbox open(Path folder, long maxEntries, int memoryQueue, long memoryQueueBytes, Clock clock) {
        return open(folder, new Limits(maxEntries, DEFAULT_MAX_BYTES, memoryQueue, memoryQueueBytes), clock);
    }

    /**
     * Opens the outbox, bounded by {@code limits}: past {@link Limits#maxEntries} or {@link Limits#maxBytes} an append
     * first evicts (dead letters first for the bytes, then the oldest entries), logged and counted as evicted.
     *
     * @throws IllegalStateException naming the file when it cannot be opened
     */
    public static Outbox open(Path folder, Limits limits, Clock clock) {
        return open(folder, limits, clock, System::nanoTime);
    }

    /** As {@link #open(Path, Limits, Clock)}, ages measured on {@code nanos} (a test's monotonic clock). */
    static Outbox open(Path folder, Limits limits, Clock clock, LongSupplier nanos) {
        Path file = folder.resolve("outbox.db");
        long memoryQueue = limits.memoryQueue();
        long memoryQueueBytes = limits.memoryQueueBytes();
        try {
            Files.createDirectories(folder);
            // a worn SD card (SQLITE_CORRUPT, NOTADB, a garbage -wal, a directory in its place): the box must go on
            // watching, with whatever of the file can still be read
            SqliteSalvage.Opened<Outbox> opened = SqliteSalvage.open(file, "outbox", Outbox::createSchema,
                    () -> new Outbox(file, limits, clock, nanos, true), clock);
            Outbox o = opened.store();
            o.damage = opened.salvage().orElse(null);
            if (o.depth > 0) {
                log.info("outbox {}: {} entries waiting from before the restart", file, o.depth);
            }
            log.info("outbox {}: while its disk refuses commits (full, failing), up to {} accepted entries ({} MB of bodies)"
                    + " wait in memory; a kill -9, a power cut or a stop before the disk takes them again loses those", file,
                    memoryQueue, memoryQueueBytes / (1024 * 1024));
            return o;
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the outbox " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens the outbox for a command beside a daemon that may be running ({@code edgewatch outbox}):
     * a damaged file is an error naming it, never moved aside or salvaged here, since a running
     * daemon's connection would go on writing into the file moved away from under it; the daemon
     * salvages it at its next start.
     *
     * @throws IllegalStateException naming the file when it cannot be opened, or is damaged
     */
    public static Outbox openBeside(Path folder, long maxEntries, Clock clock) {
        Path file = folder.resolve("outbox.db");
        try {
            SqliteSalvage.checkFile(file);
            return new Outbox(file, Limits.of(maxEntries), clock, System::nanoTime, false);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the outbox " + file + ": " + e.getMessage()
                    + (SqliteSalvage.isDamage(e) ? " (the file is damaged: edgewatch run moves it aside and salvages what"
                            + " can still be read at its next start)" : ""), e);
        }
    }

    public Path file() {
        return file;
    }

    /**
     * What was found damaged when the outbox opened, and what was salvaged from it, in the words of the log; null when
     * the file opened as it was. The daemon raises {@code storage_damaged:outbox} while it is not null.
     */
    public String damage() {
        return damage == null ? null : damage.message();
    }

    /** The salvage done at the open, when the file was damaged ({@link SqliteSalvage}); null otherwise. */
    public SqliteSalvage.Result salvage() {
        return damage;
    }

    /** The schema's steps from version {@code from} to {@link #SCHEMA_VERSION} (0: a file of no tables, or of the releases before versions). */
    private static void steps(Statement s, int from) throws SQLException {
        if (from == 0) {
            for (String ddl : SCHEMA_0) {
                s.execute(ddl);
            }
        }
        for (int v = from; v < SCHEMA_VERSION; v++) {
            for (String step : MIGRATIONS.get(v)) {
                s.execute(step);
            }
        }
        s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
    }

    /** Makes this release's schema in a fresh file: what a salvage copies the readable rows into. */
    private static void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            steps(s, 0);
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /**
     * Accepts one entry: commits it, and returns its id. Evicts the oldest entries first when the
     * outbox is full. When the disk refuses the commit (full, failing), the entry waits in memory
     * instead, behind any others waiting there, and -1 is returned: it is committed, in order, as
     * soon as the disk takes it ({@link #storageProblem()} says why meanwhile). Never blocks on that.
     *
     * @throws IllegalArgumentException when the entry itself is wrong (no destination, camera id, kind or body, or one
     *                                  the database refuses): nothing is written, and the outbox goes on
     */
    public long append(String destination, String cameraId, String kind, byte[] body) {
        return appendAll(List.of(new NewEntry(destination, cameraId, kind, body)))[0];
    }

    /**
     * Accepts several entries as one, as {@link #append} does each: in one transaction, with consecutive ids in this
     * order, so that all of them are committed or none (a report and its metadata); their ids, or -1 each while they
     * wait in memory.
     *
     * @throws IllegalArgumentException when any of them is wrong: none is written
     */
    public long[] appendAll(List<NewEntry> entries) {
        if (entries == null || entries.isEmpty()) {
            throw new IllegalArgumentException("outbox " + file + ": nothing to append");
        }
        for (NewEntry e : entries) {
            String wrong = e == null ? "a null entry" : e.destination() == null || e.destination().isBlank() ? "no destination"
                    : e.cameraId() == null ? "no camera id (the daemon's own entries use its own)"
                    : e.kind() == null || e.kind().isBlank() ? "no kind" : e.body() == null ? "no body" : null;
            if (wrong != null) {
                refused.incrementAndGet();
                throw new IllegalArgumentException("outbox " + file + ": refused " + (e == null ? "an entry"
                        : "a " + e.kind() + " of camera " + e.cameraId() + " for " + e.destination()) + ": " + wrong
                        + (entries.size() > 1 ? " (nor the other " + (entries.size() - 1) + " appended with it)" : ""));
            }
        }
        Pending entry = new Pending(List.copyOf(entries), clock.millis(), nanos.getAsLong());
        arriving.add(entry);
        synchronized (this) {
            if (!entry.settled) {
                if (closed) {
                    arriving.remove(entry);
                    throw closedError();
                }
                commitArrived();
            }
            if (entry.refusal != null) {
                throw entry.refusal;
            }
            return entry.ids;
        }
    }

    /** Under the lock: commits, in one transaction and in arrival order, every entry that arrived. */
    private void commitArrived() {
        List<Pending> batch = new ArrayList<>();
        for (Pending p = arriving.poll(); p != null; p = arriving.poll()) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            return;
        }
        if (!waiting.isEmpty()) {
            batch.forEach(p -> {
                hold(p);
                p.inMemory();
            });
            return;
        }
        try {
            connected();
            insert(batch);
        } catch (SQLException e) {
            reset();
            if (!heldByAnother(e)) {
                if (storageProblem == null) {
                    log.error("outbox {}: the disk refused a commit ({}); accepted entries wait in memory (at most {}) and are"
                            + " committed in order once it takes them again", file, e.getMessage(), memoryQueue);
                }
                storageProblem = "outbox " + file + ": cannot commit: " + e.getMessage();
            }
            batch.forEach(p -> {
                hold(p);
                p.inMemory();
            });
            flusher.schedule(this::flush, FLUSH_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Whether SQLite refused a statement for what the entry holds rather than for the state of the disk. */
    private static boolean entryFault(SQLException e) {
        return ENTRY_FAULTS.contains(e.getErrorCode() & 0xff);
    }

    /**
     * Commits {@code batch} in one transaction (evicting the oldest first when full) and settles each append with its
     * ids. When the database refuses an append for what it holds, the batch is committed again without it, each append
     * in a savepoint of its own, and that one is settled with its refusal.
     *
     * @throws SQLException when the disk refused the commit: nothing is settled
     */
    private void insert(List<Pending> batch) throws SQLException {
        try {
            insert(batch, false);
        } catch (SQLException e) {
            if (!entryFault(e)) {
                throw e;
            }
            reset();
            connected();
            insert(batch, true);
        }
    }

    private void insert(List<Pending> batch, boolean eachAlone) throws SQLException {
        int rows = batch.stream().mapToInt(p -> p.entries.size()).sum();
        long evict = Math.min(depth, depth + rows - maxEntries);
        if (evict > 0) {
            try (PreparedStatement del = db.prepareStatement(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)")) {
                del.setLong(1, evict);
                evict = del.executeUpdate();
            }
            bump("evicted", evict);
        }
        PreparedStatement ins = prepared("INSERT INTO outbox (destination, camera_id, kind, body, created_at, held)"
                + " VALUES (?, ?, ?, ?, ?, ?)");
        Instant now = clock.instant();
        Map<Pending, long[]> ids = new LinkedHashMap<>();
        Map<Pending, SQLException> refusals = new LinkedHashMap<>();
        int accepted = 0;
        for (Pending p : batch) {
            if (eachAlone) {
                exec("SAVEPOINT one_append");
            }
            try {
                for (NewEntry e : p.entries) {
                    ins.setString(1, e.destination());
                    ins.setString(2, e.cameraId());
                    ins.setString(3, e.kind());
                    // decided here, under the lock: a clock step (clockStepped) is either before this commit or after it
                    boolean held = false;
                    byte[] body = e.body();
                    if (floor.wrong(e.stampedAt() == null ? now : e.stampedAt())) {
                        if (floor.wrong(now) || correction == null) {
                            held = true;
                        } else {
                            body = restamped(e.destination(), e.kind(), body, correction);
                        }
                    }
                    ins.setBytes(4, body);
                    ins.setLong(5, p.createdAt);
                    ins.setInt(6, held ? 1 : 0);
                    ins.executeUpdate();
                }
                // one writer at a time, and AUTOINCREMENT: this append's rows have consecutive ids, ending at the last
                long last = lastInsertId();
                long[] own = new long[p.entries.size()];
                for (int i = 0; i < own.length; i++) {
                    own[i] = last - (own.length - 1 - i);
                }
                ids.put(p, own);
                accepted += own.length;
                if (eachAlone) {
                    exec("RELEASE one_append");
                }
            } catch (SQLException e) {
                if (!eachAlone || !entryFault(e)) {
                    throw e;
                }
                exec("ROLLBACK TO one_append");
                exec("RELEASE one_append");
                refusals.put(p, e);
            }
        }
        // measured once the rows are in (their pages exactly, and the transaction began with a write, so it waited
        // for another writer rather than failing at once)
        long[] room = makeRoom(ids.values().stream().mapToLong(own -> own[0]).min().orElse(Long.MAX_VALUE));
        if (room[1] > 0) {
            evict = Math.max(0, evict) + room[1];
        }
        bump("accepted", accepted);
        long drops = evictedUnrecorded;
        if (drops > 0) {
            // dropped from memory while the disk refused: counted on disk with the first commit it takes, so they survive a restart
            bump("evicted", drops);
        }
        // read inside this transaction, not after its commit, which would leave a read open (see endRead)
        long evictedInAll = evict > 0 || room[0] > 0 ? counter("evicted") : 0;
        if (evict > 0 || room[0] > 0) {
            SqliteSpace.giveBack(db);
        }
        db.commit();
        evictedUnrecorded -= drops;
        transactions++;
        grouped += accepted;
        ids.forEach(Pending::settle);
        ids.forEach((p, own) -> appended(own[0], p.createdNanos));
        refusals.forEach((p, e) -> {
            refused.incrementAndGet();
            log.warn("outbox {}: refused {}: {}; the others committed with it are kept", file, p.describe(), e.getMessage());
            p.refuse(new IllegalArgumentException("outbox " + file + ": refused " + p.describe() + ": " + e.getMessage(), e));
        });
        depth += accepted - Math.max(0, evict);
        if (room[0] > 0 || room[1] > 0) {
            log.warn("outbox {} has reached its {} MB (storage.outbox_max_mb): evicted the {} oldest dead letters and the {}"
                    + " oldest entries; {} evicted in all", file, maxBytes / (1024 * 1024), room[0], room[1], evictedInAll);
        } else if (evict > 0) {
            log.warn("outbox {} is full ({} entries): evicted the {} oldest; {} evicted in all", file, maxEntries,
                    evict, evictedInAll);
        }
    }

    /**
     * Under the lock, in the append's transaction, its rows inserted (ids from {@code appended}): evicts until the
     * file's pages in use are back under {@link #maxBytes}, the oldest dead letters first, then the oldest entries
     * before the append's, and counts them as evicted; returns how many of each. An append larger than the whole
     * bound goes in once nothing else is left to evict.
     */
    private long[] makeRoom(long appended) throws SQLException {
        long[] evicted = new long[2];
        while (true) {
            long excess = bytesInUse() - maxBytes;
            if (excess <= 0) {
                break;
            }
            long n = evictOldest("dead_letter", excess, Long.MAX_VALUE);
            int which = 0;
            if (n == 0) {
                n = evictOldest("outbox", excess, appended);
                which = 1;
            }
            if (n == 0) {
                break;
            }
            evicted[which] += n;
            bump("evicted", n);
        }
        return evicted;
    }

    /**
     * Deletes the oldest rows of {@code table} before id {@code before} whose bodies add up to {@code bytes} (at least
     * one row); how many.
     */
    private long evictOldest(String table, long bytes, long before) throws SQLException {
        long last = -1;
        try (PreparedStatement q = db.prepareStatement("SELECT id, length(body) FROM " + table + " WHERE id < ? ORDER BY id")) {
            q.setLong(1, before);
            // length() of a blob is read from its row's header, not from its pages
            try (ResultSet rs = q.executeQuery()) {
                long sum = 0;
                while (sum < bytes && rs.next()) {
                    last = rs.getLong(1);
                    sum += rs.getLong(2);
                }
            }
        }
        if (last < 0) {
            return 0;
        }
        try (PreparedStatement del = db.prepareStatement("DELETE FROM " + table + " WHERE id <= ?")) {
            del.setLong(1, last);
            return del.executeUpdate();
        }
    }

    /** The bytes of the file's pages in use, in the current transaction: {@code (page_count - freelist_count) * page_size}. */
    long bytesInUse() throws SQLException {
        return (pragma("page_count") - pragma("freelist_count")) * pageSize();
    }

    private long pageSize() throws SQLException {
        if (pageSize == 0) {
            pageSize = pragma("page_size");
        }
        return pageSize;
    }

    private long pragma(String name) throws SQLException {
        try (Statement q = db.createStatement(); ResultSet rs = q.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private void exec(String sql) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(sql);
        }
    }

    private long lastInsertId() throws SQLException {
        try (Statement q = db.createStatement(); ResultSet rs = q.executeQuery("SELECT last_insert_rowid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Appends refused since the start for what was wrong with their entries (each a clear error to its caller). */
    public long refused() {
        return refused.get();
    }

    /** Entries appended and waiting for a committer (for tests). */
    int arrivingCount() {
        return arriving.size();
    }

    /** Commit transactions of appended entries since the outbox opened, and the entries they held (group commit). */
    public synchronized long[] commits() {
        return new long[] {transactions, grouped};
    }

    private void hold(Pending entry) {
        while (!waiting.isEmpty() && (waitingEntries + entry.entries.size() > memoryQueue
                || waitingBytes + entry.bytes > memoryQueueBytes)) {
            Pending lost = waiting.removeFirst();
            waitingEntries -= lost.entries.size();
            waitingBytes -= lost.bytes;
            long before = evictedInMemory;
            evictedInMemory += lost.entries.size();
            evictedUnrecorded += lost.entries.size();
            if (Long.highestOneBit(evictedInMemory) != Long.highestOneBit(before)) {
                log.warn("outbox {}: {} entries ({} kB) wait in memory for the disk, the most allowed (storage.memory_queue):"
                        + " dropped the oldest, {}; {} dropped in all", file, waitingEntries + lost.entries.size(),
                        (waitingBytes + lost.bytes) / 1024, lost.describe(), evictedInMemory);
            }
        }
        waiting.addLast(entry);
        waitingEntries += entry.entries.size();
        waitingBytes += entry.bytes;
    }

    /** Commits what waits in memory, oldest first and in batches, until the disk refuses again (then tries again in a second). */
    private synchronized void flush() {
        if (closed) {
            return;
        }
        int committed = 0;
        while (!waiting.isEmpty()) {
            List<Pending> batch = new ArrayList<>();
            int rows = 0;
            for (Pending p : waiting) {
                if (rows >= FLUSH_BATCH) {
                    break;
                }
                batch.add(p);
                rows += p.entries.size();
            }
            try {
                // an append the database refuses is set aside by insert (logged and counted): its caller had its -1 already
                connected();
                insert(batch);
                for (Pending p : batch) {
                    waiting.removeFirst();
                    waitingEntries -= p.entries.size();
                    waitingBytes -= p.bytes;
                    committed += p.refusal == null ? p.entries.size() : 0;
                }
            } catch (SQLException e) {
                reset();
                if (!heldByAnother(e)) {
                    storageProblem = "outbox " + file + ": cannot commit: " + e.getMessage();
                }
                if (!flusher.isShutdown()) {
                    flusher.schedule(this::flush, FLUSH_EVERY_MILLIS, TimeUnit.MILLISECONDS);
                }
                return;
            }
        }
        if (storageProblem != null || locked) {
            log.info("outbox {}: the {} takes commits again: {} entries that waited in memory are committed, in order", file,
                    storageProblem != null ? "disk" : "file", committed);
            storageProblem = null;
        }
        locked = false;
    }

    /**
     * Under the lock, for a commit that failed on {@code e}: whether another process holds the file's write lock
     * (SQLITE_BUSY or SQLITE_LOCKED past the busy timeout: {@code edgewatch outbox} putting dead letters back, a second
     * daemon by mistake) and has for less than {@link #LOCKED_ALERT}: that is no full disk, and raises no
     * {@code storage_full} (the entries wait in memory all the same). Held longer, it does, saying so.
     */
    private boolean heldByAnother(SQLException e) {
        int code = e.getErrorCode() & 0xff;
        if (code != 5 && code != 6) {
            return false;
        }
        long now = nanos.getAsLong();
        if (!locked) {
            locked = true;
            lockedSince = now;
            log.warn("outbox {}: another process has held its write lock for more than {} s ({}); accepted entries wait in"
                    + " memory and are committed in order once it lets go", file, BUSY_TIMEOUT.toSeconds(), e.getMessage());
        }
        if (now - lockedSince < LOCKED_ALERT.toNanos()) {
            return true;
        }
        storageProblem = "outbox " + file + ": cannot commit: another process has held its write lock for "
                + (now - lockedSince) / 1_000_000_000L + " s: " + e.getMessage();
        return true;
    }

    /** Why accepted entries wait in memory instead of on disk; null while the disk takes them. */
    public String storageProblem() {
        return storageProblem;
    }

    /** Entries accepted and waiting in memory for the disk. */
    public synchronized int waitingInMemory() {
        return waitingEntries;
    }

    /** Entries dropped from the memory queue because it was full while the disk refused commits. */
    public synchronized long evictedInMemory() {
        return evictedInMemory;
    }

    /** The oldest waiting entries of {@code destination}, at most {@code limit}, oldest first. */
    public List<OutboxEntry> oldest(String destination, int limit) {
        return after(destination, 0, limit);
    }

    /** The waiting entries of {@code destination} after entry {@code afterId}, at most {@code limit}, oldest first. */
    public List<OutboxEntry> after(String destination, long afterId, int limit) {
        return after(destination, afterId, limit, Long.MAX_VALUE);
    }

    /**
     * As {@link #after(String, long, int)}, ending after the entry whose body brings the bytes read to {@code maxBytes}
     * (at least one entry, when there is one): rows are read one at a time, and those after are not read.
     */
    public synchronized List<OutboxEntry> after(String destination, long afterId, int limit, long maxBytes) {
        checkOpen();
        // neither a held entry nor any later one of its camera: a camera's entries go in the order accepted
        try (PreparedStatement q = db.prepareStatement("SELECT id, destination, camera_id, kind, body, created_at, attempts"
                + " FROM outbox o WHERE destination = ? AND id > ? AND held = 0 AND NOT EXISTS (SELECT 1 FROM outbox h"
                + " WHERE h.held = 1 AND h.destination = o.destination AND h.camera_id = o.camera_id AND h.id < o.id)"
                + " ORDER BY id LIMIT ?")) {
            q.setString(1, destination);
            q.setLong(2, afterId);
            q.setInt(3, limit);
            List<OutboxEntry> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                long bytes = 0;
                while (bytes < maxBytes && rs.next()) {
                    OutboxEntry e = new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getBytes(5), rs.getLong(6), rs.getInt(7));
                    out.add(e);
                    bytes += e.body().length;
                }
            }
            endRead();
            return out;
        } catch (SQLException e) {
            throw failed("cannot read", e);
        }
    }

    /**
     * Deletes delivered entries, in one transaction; each counts as delivered, and one already evicted (the outbox was
     * full while its sender held it) no more as evicted.
     */
    public synchronized void delete(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        checkOpen();
        try (PreparedStatement del = db.prepareStatement("DELETE FROM outbox WHERE id = ?")) {
            int n = 0;
            for (long id : ids) {
                del.setLong(1, id);
                n += del.executeUpdate();
            }
            // a delivered entry already gone was evicted while the sender held it (its page, in flight): delivered all
            // the same, so counted as delivered and no more as evicted (lost)
            int evictedYetDelivered = ids.size() - n;
            bump("delivered", ids.size());
            if (evictedYetDelivered > 0) {
                try (PreparedStatement up = db.prepareStatement(
                        "UPDATE counters SET value = MAX(0, value - ?) WHERE name = 'evicted'")) {
                    up.setLong(1, evictedYetDelivered);
                    up.executeUpdate();
                }
            }
            SqliteSpace.giveBack(db);
            db.commit();
            depth -= n;
        } catch (SQLException e) {
            throw failed("cannot delete " + ids.size() + " delivered entries", e);
        }
    }

    /** Deletes a delivered entry. */
    public void delete(long id) {
        delete(List.of(id));
    }

    /** Moves an entry the server will never accept to the dead-letter table, where it is kept. */
    public synchronized void deadLetter(long id, int status, String reason) {
        checkOpen();
        try (PreparedStatement mv = db.prepareStatement("INSERT INTO dead_letter (id, destination, camera_id, kind, body,"
                + " created_at, status, reason) SELECT id, destination, camera_id, kind, body, created_at, ?, ? FROM outbox"
                + " WHERE id = ?"); PreparedStatement del = db.prepareStatement("DELETE FROM outbox WHERE id = ?")) {
            mv.setInt(1, status);
            mv.setString(2, reason);
            mv.setLong(3, id);
            mv.executeUpdate();
            del.setLong(1, id);
            int moved = del.executeUpdate();
            // kept aside as the queue is kept: at most maxEntries, the oldest evicted first (a 4xx on every entry would
            // otherwise fill the disk with dead letters)
            long evict;
            try (PreparedStatement ev = db.prepareStatement("DELETE FROM dead_letter WHERE id IN (SELECT id FROM dead_letter"
                    + " ORDER BY id LIMIT MAX(0, (SELECT COUNT(*) FROM dead_letter) - ?))")) {
                ev.setLong(1, maxEntries);
                evict = ev.executeUpdate();
            }
            if (evict > 0) {
                bump("evicted", evict);
                SqliteSpace.giveBack(db);
            }
            db.commit();
            depth -= moved;
            if (evict > 0) {
                log.warn("outbox {}: {} dead letters kept, the most allowed (storage.outbox_max_entries): evicted the {} oldest",
                        file, maxEntries, evict);
            }
        } catch (SQLException e) {
            throw failed("cannot move entry " + id + " aside", e);
        }
    }

    /** Records a failed attempt that will be retried. */
    public synchronized void failedAttempt(long id) {
        checkOpen();
        try (PreparedStatement up = db.prepareStatement("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?")) {
            up.setLong(1, id);
            up.executeUpdate();
            bump("retries", 1);
            db.commit();
        } catch (SQLException e) {
            throw failed("cannot update entry " + id, e);
        }
    }

    /**
     * Records that a delivery of several steps got past one: the entry becomes {@code kind} with
     * {@code body} (what is left to send), in its place, so a retry or the next start resumes there
     * instead of repeating the step (an image uploaded once, its annotation sent next).
     */
    public synchronized void rewrite(long id, String kind, byte[] body) {
        checkOpen();
        try (PreparedStatement up = db.prepareStatement("UPDATE outbox SET kind = ?, body = ? WHERE id = ?")) {
            up.setString(1, kind);
            up.setBytes(2, body);
            up.setLong(3, id);
            up.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            throw failed("cannot record the progress of entry " + id, e);
        }
    }

    /**
     * From now on, an entry stamped with a wall time earlier than {@code floor} (the build's time: the clock is known
     * wrong) is held: kept, not handed to a sender, nor any later entry of its camera and destination, until
     * {@link #clockStepped} re-stamps and releases it, or, when no step comes within {@code hold}, it is released as
     * stamped and flagged ({@link #releaseOverdue}, every 10 s). Entries held by an earlier run are held again while
     * the clock is still wrong; found with the clock right, no step will correct them: they go out flagged.
     */
    public void holdWhileClockWrong(ClockFloor floor, Duration hold) {
        if (hold.isNegative() || hold.isZero()) {
            throw new IllegalArgumentException("the hold of entries made on a wrong clock must be positive, not " + hold);
        }
        boolean first = this.hold == null;
        this.floor = floor;
        this.hold = hold;
        Instant now = clock.instant();
        if (!floor.wrong(now)) {
            synchronized (this) {
                checkOpen();
                try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT MAX(id) FROM outbox WHERE held = 1")) {
                    staleUpTo = rs.next() ? rs.getLong(1) : 0;
                    endRead();
                } catch (SQLException e) {
                    throw failed("cannot read the held entries", e);
                }
            }
        } else {
            log.warn("outbox {}: the wall clock reads {}, earlier than this edgewatch was built ({}): it is wrong, and what is"
                    + " made now is held until a step corrects it (NTP), then re-stamped, or for {} at most", file, now,
                    floor.earliest(), hold);
        }
        if (first) {
            flusher.scheduleWithFixedDelay(() -> {
                try {
                    releaseOverdue();
                } catch (RuntimeException e) {
                    log.warn("{}", e.getMessage());
                }
            }, OVERDUE_EVERY_SECONDS, OVERDUE_EVERY_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** {@code destination}'s bodies are re-stamped and flagged by {@code restamper}; without one they are released as they are. */
    public void restamper(String destination, Restamper restamper) {
        restampers.put(destination, restamper);
    }

    /**
     * The wall clock stepped by {@code by}: every held entry is re-stamped by it (its body by its destination's
     * {@link Restamper}, its time of acceptance too), in one transaction, and released when the clock is no longer
     * wrong; returns how many were released.
     */
    public synchronized int clockStepped(Duration by) {
        checkOpen();
        Instant now = clock.instant();
        boolean right = !floor.wrong(now);
        if (right && floor.wrong(now.minus(by))) {
            correction = by;
        }
        int n = 0;
        try (PreparedStatement q = db.prepareStatement("SELECT id, destination, kind, body FROM outbox WHERE held = 1 ORDER BY id");
             PreparedStatement up = db.prepareStatement("UPDATE outbox SET body = ?, created_at = created_at + ?, held = ?"
                     + " WHERE id = ?")) {
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    up.setBytes(1, restamped(rs.getString(2), rs.getString(3), rs.getBytes(4), by));
                    up.setLong(2, by.toMillis());
                    up.setInt(3, right ? 0 : 1);
                    up.setLong(4, rs.getLong(1));
                    up.addBatch();
                    n++;
                }
            }
            if (n > 0) {
                up.executeBatch();
            }
            db.commit();
        } catch (SQLException e) {
            throw failed("cannot re-stamp the entries held while the clock was wrong", e);
        }
        if (n > 0) {
            log.info("outbox {}: {} entries made while the wall clock was wrong (before {}) re-stamped by {} s{}", file, n,
                    floor.earliest(), by.toSeconds(), right ? " and released" : "; still held, the clock is still wrong");
        }
        if (right && n > 0) {
            releases.incrementAndGet();
        }
        return right ? n : 0;
    }

    /**
     * Releases, as stamped and flagged by their destination's {@link Restamper}, the entries held longer than the hold
     * while the clock stayed wrong (their age read on that wrong clock: no step came), and those an earlier run held
     * that no step will correct; returns how many. While the clock reads right, entries of this run still held wait
     * for the step that made it right, which this process has not handled yet (it is checked every second).
     */
    public synchronized int releaseOverdue() {
        Duration h = hold;
        if (h == null || closed) {
            return 0;
        }
        long now = clock.millis();
        boolean wrong = floor.wrong(Instant.ofEpochMilli(now));
        if (!wrong && staleUpTo == 0) {
            return 0;
        }
        int n = 0;
        try (PreparedStatement q = db.prepareStatement("SELECT id, destination, kind, body FROM outbox WHERE held = 1"
                + (wrong ? " AND created_at <= ?" : " AND id <= ?") + " ORDER BY id");
             PreparedStatement up = db.prepareStatement("UPDATE outbox SET body = ?, held = 0 WHERE id = ?")) {
            q.setLong(1, wrong ? now - h.toMillis() : staleUpTo);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    up.setBytes(1, flagged(rs.getString(2), rs.getString(3), rs.getBytes(4)));
                    up.setLong(2, rs.getLong(1));
                    up.addBatch();
                    n++;
                }
            }
            if (n > 0) {
                up.executeBatch();
            }
            db.commit();
            if (!wrong) {
                // only once they are out: a batch that failed (a lock past the busy timeout, a full disk) is tried again
                staleUpTo = 0;
            }
        } catch (SQLException e) {
            throw failed("cannot release the entries held while the clock was wrong", e);
        }
        if (n > 0) {
            releases.incrementAndGet();
            log.warn(wrong ? "outbox {}: {} entries made while the wall clock was wrong (before {}) waited {} for a step that"
                    + " corrects it: sent as stamped, flagged (storage.wrong_clock_hold)" : "outbox {}: {} entries made by an"
                    + " earlier run while the wall clock was wrong (before {}) cannot be corrected (the clock was right at this"
                    + " start; {}): sent as stamped, flagged", file, n, floor.earliest(), wrong ? h : "no step to re-stamp them by");
        }
        return n;
    }

    /** Entries held because they were made while the wall clock was known wrong. */
    public synchronized long held() {
        checkOpen();
        try {
            long n = count(HELD_SQL);
            endRead();
            return n;
        } catch (SQLException e) {
            throw failed("cannot count the held entries", e);
        }
    }

    private static final String HELD_SQL = "SELECT COUNT(*) FROM outbox WHERE held = 1";

    /** The one number a {@code SELECT COUNT(*)} answers, on the caller's transaction. */
    private long count(String sql) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** How many times held entries were released: a sender reads again from its oldest entry when it moves. */
    long releases() {
        return releases.get();
    }

    private byte[] restamped(String destination, String kind, byte[] body, Duration by) {
        try {
            return restampers.getOrDefault(destination, Restamper.NONE).restamp(kind, body, by);
        } catch (RuntimeException e) {
            log.warn("outbox {}: a {} for {} cannot be re-stamped ({}); sent as it is", file, kind, destination, e.toString());
            return body;
        }
    }

    private byte[] flagged(String destination, String kind, byte[] body) {
        try {
            return restampers.getOrDefault(destination, Restamper.NONE).flag(kind, body);
        } catch (RuntimeException e) {
            log.warn("outbox {}: a {} for {} cannot be flagged ({}); sent as it is", file, kind, destination, e.toString());
            return body;
        }
    }

    /** Entries set aside because the server will never accept them. */
    public synchronized long deadLetters() {
        checkOpen();
        try {
            long n = count("SELECT COUNT(*) FROM dead_letter");
            endRead();
            return n;
        } catch (SQLException e) {
            throw failed("cannot count dead letters", e);
        }
    }

    /** One destination as {@code edgewatch outbox} shows it. */
    public record DestinationReport(String destination, long depth, long oldestAgeMillis, long deadLetters, boolean stopped,
                                    String reason, long sinceMillis) {
    }

    /** An entry the server will never accept, kept aside. */
    public record DeadLetter(long id, String destination, String cameraId, String kind, long createdAtMillis, int status,
                             String reason) {
    }

    /**
     * Records whether a destination's sender is stopped (a person must act) and why, so that
     * another process ({@code edgewatch outbox}) can tell; written only when it changes.
     */
    public synchronized void destinationState(String destination, boolean stopped, String reason) {
        checkOpen();
        try (PreparedStatement up = db.prepareStatement("INSERT INTO destination_state (destination, stopped, reason, since)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT(destination) DO UPDATE SET stopped = excluded.stopped, reason = excluded.reason,"
                + " since = excluded.since")) {
            up.setString(1, destination);
            up.setInt(2, stopped ? 1 : 0);
            up.setString(3, reason);
            up.setLong(4, clock.millis());
            up.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            throw failed("cannot record the state of " + destination, e);
        }
    }

    /** Per destination (every one with entries, dead letters or a recorded state, and {@code known}): depth, age, dead letters, state. */
    public synchronized List<DestinationReport> report(List<String> known) {
        checkOpen();
        Map<String, DestinationReport> out = new TreeMap<>();
        known.forEach(d -> out.put(d, new DestinationReport(d, 0, 0, 0, false, null, 0)));
        long now = clock.millis();
        try (Statement s = db.createStatement()) {
            try (ResultSet rs = s.executeQuery(REPORT_SQL)) {
                while (rs.next()) {
                    String d = rs.getString(1);
                    DestinationReport r = out.getOrDefault(d, new DestinationReport(d, 0, 0, 0, false, null, 0));
                    out.put(d, new DestinationReport(d, rs.getLong(2), Math.max(0, now - rs.getLong(3)), r.deadLetters(), r.stopped(),
                            r.reason(), r.sinceMillis()));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT destination, COUNT(*) FROM dead_letter GROUP BY destination")) {
                while (rs.next()) {
                    String d = rs.getString(1);
                    DestinationReport r = out.getOrDefault(d, new DestinationReport(d, 0, 0, 0, false, null, 0));
                    out.put(d, new DestinationReport(d, r.depth(), r.oldestAgeMillis(), rs.getLong(2), r.stopped(), r.reason(),
                            r.sinceMillis()));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT destination, stopped, reason, since FROM destination_state")) {
                while (rs.next()) {
                    String d = rs.getString(1);
                    DestinationReport r = out.getOrDefault(d, new DestinationReport(d, 0, 0, 0, false, null, 0));
                    out.put(d, new DestinationReport(d, r.depth(), r.oldestAgeMillis(), r.deadLetters(), rs.getInt(2) == 1,
                            rs.getString(3), rs.getLong(4)));
                }
            }
            endRead();
            return new ArrayList<>(out.values());
        } catch (SQLException e) {
            throw failed("cannot read it", e);
        }
    }

    /** The dead letters, oldest first, at most {@code limit}. */
    public synchronized List<DeadLetter> deadLetterList(int limit) {
        checkOpen();
        List<DeadLetter> out = new ArrayList<>();
        try (PreparedStatement q = db.prepareStatement("SELECT id, destination, camera_id, kind, created_at, status, reason"
                + " FROM dead_letter ORDER BY id LIMIT ?")) {
            q.setInt(1, limit);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeadLetter(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                            rs.getInt(6), rs.getString(7)));
                }
            }
            endRead();
            return out;
        } catch (SQLException e) {
            throw failed("cannot read the dead letters", e);
        }
    }

    /**
     * Puts the dead letters back in the queue, in their old places (their ids), for their senders to
     * try again, the oldest first and as many as the queue has room for ({@code maxEntries}: the
     * others stay dead letters); returns how many. Their bytes are in the file's bound already. A
     * running daemon's sender picks them up within a second.
     */
    public synchronized int retryDeadLetters() {
        checkOpen();
        int all = 0;
        try (PreparedStatement move = db.prepareStatement("INSERT INTO outbox (id, destination, camera_id, kind, body,"
                + " created_at, attempts) SELECT id, destination, camera_id, kind, body, created_at, 0 FROM dead_letter"
                + " ORDER BY id LIMIT MIN(?, MAX(0, ? - (SELECT COUNT(*) FROM outbox)))");
             PreparedStatement aside = db.prepareStatement("DELETE FROM dead_letter WHERE id IN (SELECT id FROM dead_letter"
                     + " ORDER BY id LIMIT ?)");
             Statement s = db.createStatement()) {
            // a transaction per chunk, each beginning with its write (so it waits for the daemon's commits rather than
            // failing at once), so that the daemon's commits never wait long behind the lock it holds
            while (true) {
                move.setInt(1, RETRY_CHUNK);
                move.setLong(2, maxEntries);
                int n = move.executeUpdate();
                if (n == 0) {
                    db.rollback();
                    break;
                }
                aside.setInt(1, n);
                aside.executeUpdate();
                // what a running daemon's senders look at every second: entries put back below what they have read
                s.executeUpdate("INSERT INTO counters (name, value) VALUES ('" + PUT_BACK + "', " + n + ")"
                        + " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value");
                db.commit();
                depth += n;
                all += n;
            }
            return all;
        } catch (SQLException e) {
            throw failed("cannot put the dead letters back (" + all + " put back)", e);
        }
    }

    /**
     * How many dead letters were ever put back in the queue ({@link #retryDeadLetters}, by any process): when it
     * changes, a sender looks for entries below those it has read ({@link #before}).
     */
    public synchronized long putBack() {
        checkOpen();
        try {
            long n = counter(PUT_BACK);
            endRead();
            return n;
        } catch (SQLException e) {
            throw failed("cannot read it", e);
        }
    }

    /**
     * The waiting entries of {@code destination} below id {@code beforeId} that {@code known} does not name (a
     * sender's queue, in flight, delivered), oldest first, at most {@code limit}, ending after the entry whose body
     * brings the bytes read to {@code maxBytes}: dead letters put back behind a sender that read past their ids. The
     * ids are read from an index, and only the rows asked for.
     */
    public synchronized List<OutboxEntry> before(String destination, long beforeId, LongPredicate known, int limit,
                                                 long maxBytes) {
        checkOpen();
        try {
            List<Long> ids = new ArrayList<>();
            // as after(): neither a held entry nor any later one of its camera (a camera's entries go in the order accepted)
            try (PreparedStatement q = db.prepareStatement("SELECT id FROM outbox o WHERE destination = ? AND id < ? AND held = 0"
                    + " AND NOT EXISTS (SELECT 1 FROM outbox h WHERE h.held = 1 AND h.destination = o.destination"
                    + " AND h.camera_id = o.camera_id AND h.id < o.id) ORDER BY id")) {
                q.setString(1, destination);
                q.setLong(2, beforeId);
                try (ResultSet rs = q.executeQuery()) {
                    while (ids.size() < limit && rs.next()) {
                        if (!known.test(rs.getLong(1))) {
                            ids.add(rs.getLong(1));
                        }
                    }
                }
            }
            List<OutboxEntry> out = new ArrayList<>();
            try (PreparedStatement q = db.prepareStatement("SELECT id, destination, camera_id, kind, body, created_at, attempts"
                    + " FROM outbox WHERE id = ?")) {
                long bytes = 0;
                for (int i = 0; i < ids.size() && bytes < maxBytes; i++) {
                    q.setLong(1, ids.get(i));
                    try (ResultSet rs = q.executeQuery()) {
                        if (rs.next()) {
                            OutboxEntry e = new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                    rs.getBytes(5), rs.getLong(6), rs.getInt(7));
                            out.add(e);
                            bytes += e.body().length;
                        }
                    }
                }
            }
            endRead();
            return out;
        } catch (SQLException e) {
            throw failed("cannot read", e);
        }
    }

    /** Depth, age of the oldest entry and the counters; its cost does not grow with the size of the bodies waiting. */
    public synchronized OutboxStats stats() {
        checkOpen();
        try {
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox")) {
                // counted, not only kept: another process (edgewatch outbox --retry-dead-letters) may have added entries
                depth = rs.next() ? rs.getLong(1) : 0;
            }
            // on the partial index of held rows: nothing read when none is held
            long held = count(HELD_SQL);
            OutboxStats stats = new OutboxStats(depth + waitingEntries, oldestAgeMillis(),
                    counter("accepted"), counter("delivered"), counter("retries"), counter("evicted") + evictedUnrecorded,
                    refused.get(), held);
            endRead();
            return stats;
        } catch (SQLException e) {
            throw failed("cannot read its statistics", e);
        }
    }

    /** Under the lock, after a commit: entries from {@code id} on were appended at {@code at} (monotonic ns). */
    private void appended(long id, long at) {
        firstOwnId = Math.min(firstOwnId, id);
        Map.Entry<Long, Long> last = appendedAt.lastEntry();
        if (last != null && (at - last.getValue() < appendTimeStep || id <= last.getKey())) {
            return;
        }
        appendedAt.put(id, at);
        if (appendedAt.size() > MOST_APPEND_TIMES) {
            // a backlog older than MOST_APPEND_TIMES steps: every other time goes, and the step doubles
            boolean keep = true;
            for (var it = appendedAt.entrySet().iterator(); it.hasNext(); keep = !keep) {
                it.next();
                if (!keep) {
                    it.remove();
                }
            }
            appendTimeStep *= 2;
        }
    }

    /**
     * The age of the oldest entry on disk, never from the wall clock alone: one made before this process opened the
     * outbox is as old as the wall clock said at the open, plus the monotonic time since (and at least that); one made
     * since, from the monotonic time of its append. 0 when none waits.
     */
    private long oldestAgeMillis() throws SQLException {
        long now = nanos.getAsLong();
        long sinceOpen = (now - openedNanos) / 1_000_000;
        try (PreparedStatement q = db.prepareStatement(OLDEST_SQL)) {
            q.setLong(1, firstOwnId);
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return Math.max(sinceOpen, openedMillis + sinceOpen - rs.getLong(1));
                }
            }
        }
        if (firstOwnId == Long.MAX_VALUE) {
            return 0;
        }
        long oldest;
        try (PreparedStatement q = db.prepareStatement(OLDEST_OWN_SQL)) {
            q.setLong(1, firstOwnId);
            try (ResultSet rs = q.executeQuery()) {
                oldest = rs.next() ? rs.getLong(1) : 0;
                if (rs.wasNull()) {
                    return 0;
                }
            }
        }
        Map.Entry<Long, Long> at = appendedAt.floorEntry(oldest);
        if (at == null) {
            return 0;
        }
        // what is older than the oldest entry is no more needed
        appendedAt.headMap(at.getKey()).clear();
        return Math.max(0, (now - at.getValue()) / 1_000_000);
    }

    private void bump(String name, long by) throws SQLException {
        PreparedStatement up = prepared("UPDATE counters SET value = value + ? WHERE name = ?");
        up.setLong(1, by);
        up.setString(2, name);
        up.executeUpdate();
    }

    /** {@code sql} prepared on the current connection, once. */
    private PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = db.prepareStatement(sql);
            prepared.put(sql, ps);
        }
        return ps;
    }

    /** Forgets the prepared statements, before the connection they belong to is closed. */
    private void forgetPrepared() {
        for (PreparedStatement ps : prepared.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // the connection goes next
            }
        }
        prepared.clear();
    }

    /**
     * Ends a read, once its result sets are closed (a result set still open would keep the read going past the
     * commit). A read left open on the connection would make its next write fail at once with SQLITE_BUSY, instead
     * of waiting its busy_timeout, whenever another connection (the outbox command) writes the file meanwhile.
     */
    private void endRead() throws SQLException {
        db.commit();
    }

    private long counter(String name) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT value FROM counters WHERE name = ?")) {
            q.setString(1, name);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /**
     * Under the lock, after a call failed on {@code e}: the connection made usable again ({@link #reset}), and the
     * error for its caller, naming the file and {@code what} failed.
     */
    private IllegalStateException failed(String what, SQLException e) {
        reset();
        return new IllegalStateException("outbox " + file + ": " + what + ": " + e.getMessage(), e);
    }

    /**
     * Leaves the connection usable after a failed write: rolled back, or, when SQLite has already
     * ended the transaction (a failed commit on a full disk), reopened. A reopen that fails leaves no
     * connection, and the next call tries again ({@link #checkOpen}, {@link #connected}).
     */
    private void reset() {
        if (closed) {
            return;
        }
        if (db != null) {
            try {
                db.rollback();
                return;
            } catch (SQLException notActive) {
                forgetPrepared();
                try {
                    db.close();
                } catch (SQLException ignored) {
                    // reopened below
                }
                db = null;
            }
        }
        try {
            db = connect();
        } catch (SQLException e) {
            log.warn("outbox {}: cannot reopen: {}; the next call tries again", file, e.getMessage());
        }
    }

    /** Under the lock: the connection, reopened first when a reopen failed before. */
    private Connection connected() throws SQLException {
        if (db == null) {
            db = connect();
        }
        return db;
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!waiting.isEmpty()) {
                flush();
            }
            if (!waiting.isEmpty()) {
                log.error("outbox {}: {} accepted entries could not be committed before the stop ({}); they are lost", file,
                        waitingEntries, storageProblem);
            }
            closed = true;
            closeConnection();
        }
    }

    /**
     * Under the lock: a call after {@link #close} fails, rather than reopening the file behind the stop; before it,
     * a file whose reopen failed is reopened now (or the call fails saying so, and the next tries again).
     */
    private void checkOpen() {
        if (closed) {
            throw closedError();
        }
        try {
            connected();
        } catch (SQLException e) {
            throw new IllegalStateException("outbox " + file + ": cannot reopen it: " + e.getMessage(), e);
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("outbox " + file + " is closed");
    }

    private void closeConnection() {
        forgetPrepared();
        if (db == null) {
            return;
        }
        try {
            db.close();
        } catch (SQLException e) {
            log.warn("closing the outbox {} failed: {}", file, e.getMessage());
        }
    }
}
