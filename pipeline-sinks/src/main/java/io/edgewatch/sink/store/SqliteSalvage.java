package io.edgewatch.sink.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Survives a damaged SQLite file: tells damage from the errors a person must mend, and mends damage
 * by moving the file aside and salvaging every row that can still be read into a fresh database, so
 * that its owner (the outbox, the health store) goes on.
 *
 * <p><b>Damage</b> is {@code SQLITE_CORRUPT} or {@code SQLITE_NOTADB} (and their extended codes), a
 * directory where the file should be, or a {@code -wal} whose header is not a write-ahead log's (SQLite
 * itself silently treats such a log as empty, so what it held would be lost without a word). A
 * permission error ({@code SQLITE_CANTOPEN}, {@code SQLITE_READONLY}, {@code SQLITE_PERM}), a full disk
 * ({@code SQLITE_FULL}) or a failing one ({@code SQLITE_IOERR}) is not damage: see {@link #isDamage}.
 *
 * <p><b>Detection.</b> SQLite reports some damage at the first statement ({@code SQLITE_NOTADB} from
 * {@code PRAGMA journal_mode}), some only when a damaged page is read. {@link #checkFile} runs before the
 * connection is opened (a directory, a garbage {@code -wal}); {@link #checkContent} runs right after it
 * is opened and before the first write: {@code PRAGMA quick_check(1)}, which reads every page of every
 * b-tree, overflow pages included, but not the index-against-table cross-check of {@code integrity_check}.
 * Its cost is one sequential read of the whole file (measured on this project's 2-core test box: 0.36 to
 * 0.46 s for a 116 MB outbox in the page cache, so 3 to 4 s per GB; from a cold disk, the file's size
 * over the disk's read rate). A schema read ({@code SELECT count(*) FROM sqlite_master}) would cost
 * under a millisecond but sees only {@code SQLITE_NOTADB} and a damaged first page. Damage found later,
 * by a read or a commit while running, is an {@link SQLException} that {@link #isDamage} recognises;
 * the owner then closes its connection and calls {@link #salvage} as at the start.
 *
 * <p><b>Salvage</b> ({@link #salvage}): a fresh database is made beside the damaged file, as
 * {@code NAME.salvaging}, with the caller's schema; for each table of that schema (in the order the
 * schema made them), the rows of the damaged file, opened read-only (it is left as it was found), are
 * read in rowid order and written, in one transaction per table, with the same values (the same ids
 * too, so that an {@code AUTOINCREMENT} table keeps its order, and its {@code sqlite_sequence} is set no
 * lower than the damaged file's). Then {@code NAME-wal}, {@code NAME-shm}, {@code NAME-journal} and
 * {@code NAME} are renamed {@code NAME.damaged-<yyyyMMdd'T'HHmmss'Z'>} (with {@code -wal} etc. after
 * it, so that {@code sqlite3 NAME.damaged-…} still sees its own write-ahead log), with {@code -2},
 * {@code -3}, … added when that name is taken: an earlier one is never overwritten. A directory is
 * renamed the same way. Last, the fresh database, synced, is renamed {@code NAME}, in WAL mode. A crash
 * before that leaves the damaged file in place (salvaged again at the next start); a crash between
 * the renames leaves no {@code NAME} and a complete {@code NAME.salvaging}, which {@link #checkFile}
 * puts in place.
 *
 * <p><b>Skipping what cannot be read.</b> Rows are read with a cursor {@code WHERE rowid >= next}; when
 * it fails, a probe that reads rowids only ({@code SELECT rowid … WHERE rowid >= ? LIMIT 1}, which
 * touches b-tree pages but not the rows' overflow pages) says where: if it answers a rowid, that row's
 * own content is unreadable (counted exactly, 1) and the cursor goes on after it; if the probe fails
 * too, a b-tree page is unreadable and the probe steps forward (by 1 for 64 probes, then doubling) until
 * it passes the page, then bisects back to the first rowid beyond it. A row the fresh schema refuses (a
 * NOT NULL column read as NULL: a garbled cell) is counted unreadable too. A file shorter than its
 * header says (truncated) is read from a copy in which its missing bytes are 0xFF, not the zeros SQLite
 * would read there: zeros are a valid encoding, and a row cut by the end would come out garbled without
 * an error. <b>"Could not be read"</b> counts the rows whose content failed, plus, for each unreadable
 * page, the rowids it spans, and, when the end of a table cannot be reached, the rowids from there up to
 * the table's {@code sqlite_sequence} (its highest id ever). The spans count ids as dense, as the
 * outbox's are (ids given in order, deleted from the oldest): an estimate, said "about" in the line, and
 * an upper bound where rows had been deleted in the middle. It is unknown (said so) when the damaged
 * file's schema cannot be read, when a table's end cannot be reached and it has no
 * {@code sqlite_sequence}, and when its {@code -wal} was garbage.
 *
 * <p><b>Errors.</b> When the damaged file cannot be moved aside or the fresh one made beside it
 * (permissions), {@link #salvage} throws an {@link IOException} or {@link SQLException} naming the
 * file: that is not damage the daemon can mend. When the fresh database cannot be written (a full
 * disk), it removes what it made, leaves the damaged file where it was, and throws the
 * {@link SQLException} with its code ({@code SQLITE_FULL}), so that the next start tries again. One
 * WARN line says what was done.
 */
public final class SqliteSalvage {

    private static final Logger log = LoggerFactory.getLogger(SqliteSalvage.class);

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** Where the fresh database is made, beside the damaged one, until it is complete. */
    private static final String BUILDING = ".salvaging";
    /** The files SQLite keeps beside a database; the write-ahead log first (see {@link #moveAside}). */
    private static final List<String> COMPANIONS = List.of("-wal", "-shm", "-journal");
    private static final int PRIMARY_CORRUPT = SQLiteErrorCode.SQLITE_CORRUPT.code;
    private static final int PRIMARY_NOTADB = SQLiteErrorCode.SQLITE_NOTADB.code;
    private static final int WAL_HEADER = 32;
    private static final int WAL_MAGIC = 0x377f0682;
    private static final int WAL_VERSION = 3007000;
    /** Probes one rowid apart before doubling the step: a damaged leaf of a few rows is passed exactly. */
    private static final int LINEAR_PROBES = 64;

    private SqliteSalvage() {
    }

    /** Makes the caller's schema in a fresh database; must be idempotent ({@code CREATE … IF NOT EXISTS}). */
    @FunctionalInterface
    public interface Schema {
        void create(Connection db) throws SQLException;
    }

    /** Opens the caller's store (its connection, PRAGMAs, schema); see {@link #open}. */
    @FunctionalInterface
    public interface Opener<T> {
        T open() throws SQLException;
    }

    /** What {@link #open} opened, and the salvage it did first, if the file was damaged. */
    public record Opened<T>(T store, Optional<Result> salvage) {
    }

    /**
     * One table's rows: {@code salvaged} copied; {@code unreadable} could not be read, when
     * {@code known}, and an estimate (dense ids) when {@code estimated}.
     */
    public record TableCount(String table, long salvaged, long unreadable, boolean known, boolean estimated) {
    }

    /**
     * What {@link #salvage} did: {@code file} (the fresh database now) was damaged by {@code cause}
     * and moved aside as {@code movedAside}; {@code tables} says, per table, what was salvaged;
     * {@code walLost} when its write-ahead log was garbage (what it held is lost, how much is
     * unknown); {@code message} is the line that was logged.
     */
    public record Result(String what, Path file, Path movedAside, String cause, List<TableCount> tables, boolean walLost,
                         String message) {

        public Result {
            tables = List.copyOf(tables);
        }

        /** Rows salvaged, over every table. */
        public long salvaged() {
            return tables.stream().mapToLong(TableCount::salvaged).sum();
        }

        /** Rows that could not be read, over every table; empty when that is unknown. */
        public OptionalLong unreadable() {
            if (walLost || tables.stream().anyMatch(t -> !t.known())) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(tables.stream().mapToLong(TableCount::unreadable).sum());
        }

        /** The count for {@code table}. */
        public TableCount table(String table) {
            return tables.stream().filter(t -> t.table().equals(table)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no table " + table + " in " + file));
        }
    }

    /**
     * True when {@code error}, or an exception it was caused by or chained to, is SQLite's
     * {@code SQLITE_CORRUPT} or {@code SQLITE_NOTADB}, extended codes included (the primary code is
     * the low byte). Everything else, notably {@code SQLITE_CANTOPEN} (a permission or a missing
     * folder), {@code SQLITE_READONLY}, {@code SQLITE_PERM}, {@code SQLITE_FULL} and
     * {@code SQLITE_IOERR}, is not damage and stays the caller's clear error.
     */
    public static boolean isDamage(Throwable error) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> todo = new ArrayList<>();
        todo.add(error);
        while (!todo.isEmpty()) {
            Throwable t = todo.remove(todo.size() - 1);
            if (t == null || !seen.add(t)) {
                continue;
            }
            if (t instanceof SQLException e) {
                int code = (e instanceof SQLiteException s ? s.getResultCode().code : e.getErrorCode()) & 0xff;
                if (code == PRIMARY_CORRUPT || code == PRIMARY_NOTADB) {
                    return true;
                }
                todo.add(e.getNextException());
            }
            todo.add(t.getCause());
        }
        return false;
    }

    /**
     * Before a connection to {@code file} is opened: throws {@code SQLITE_NOTADB} when a directory
     * stands where the file should be (SQLite would say only {@code SQLITE_CANTOPEN}, as for a
     * permission), or when {@code file} exists with a {@code -wal} of at least a header's size whose
     * header is not a write-ahead log's (SQLite would treat it as empty and overwrite it at the next
     * commit). A missing file, a missing or empty log is not damage. When the file is missing but a
     * finished salvage's fresh database is beside it (a crash between the two renames), puts it in place.
     */
    public static void checkFile(Path file) throws SQLException, IOException {
        Path building = companion(file, BUILDING);
        if (!exists(file) && Files.isRegularFile(building, LinkOption.NOFOLLOW_LINKS)) {
            // a salvage had moved the damaged file aside and synced the fresh one when it was cut short
            Files.move(building, file, StandardCopyOption.ATOMIC_MOVE);
            log.warn("{}: the salvage cut short at the last stop is complete: its fresh database is in place", file);
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw damage(SQLiteErrorCode.SQLITE_NOTADB, file + " is a directory, not a database");
        }
        Path wal = companion(file, "-wal");
        if (Files.isRegularFile(file) && garbageWal(wal)) {
            throw damage(SQLiteErrorCode.SQLITE_NOTADB, wal + " is not a write-ahead log (its header is not one)");
        }
    }

    /**
     * Right after {@code db} (a connection to {@code file}) is opened, before its first write: runs
     * {@code PRAGMA quick_check(1)} and throws {@code SQLITE_CORRUPT} naming the first problem it
     * found. {@code SQLITE_NOTADB} and the like come out of it as they are.
     */
    public static void checkContent(Connection db, Path file) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA quick_check(1)")) {
            String first = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(first)) {
                throw damage(SQLiteErrorCode.SQLITE_CORRUPT, file + " fails SQLite's quick_check: "
                        + first.replace("*** in database main ***", "").strip().replaceAll("\\s*\n\\s*", "; "));
            }
        }
    }

    /**
     * Opens a store at the start, salvaging it first when it is damaged: {@link #checkFile}, then
     * {@code opener}; when either throws damage ({@link #isDamage}), {@link #salvage} and
     * {@code opener} once more. {@code opener} must call {@link #checkContent} right after it opens
     * its connection and close that connection when it throws. Other errors come out as they are.
     */
    public static <T> Opened<T> open(Path file, String what, Schema schema, Opener<T> opener)
            throws SQLException, IOException {
        return open(file, what, schema, opener, Clock.systemUTC());
    }

    /** {@link #open(Path, String, Schema, Opener)} with the clock that names the moved-aside file. */
    public static <T> Opened<T> open(Path file, String what, Schema schema, Opener<T> opener, Clock clock)
            throws SQLException, IOException {
        try {
            checkFile(file);
            return new Opened<>(opener.open(), Optional.empty());
        } catch (SQLException e) {
            if (!isDamage(e)) {
                throw e;
            }
            Result r = salvage(file, what, schema, e, clock);
            return new Opened<>(opener.open(), Optional.of(r));
        }
    }

    /**
     * Moves the damaged {@code file} aside and makes a fresh database there with {@code schema} and
     * every row that can still be read (see the class comment); logs one WARN line and returns what it
     * did. Every connection to {@code file} must be closed first: one left open would delete the fresh
     * database's {@code -wal} when it closes. {@code what} names the store ({@code outbox},
     * {@code health}); {@code cause} is the error that showed the damage.
     *
     * @throws IOException naming the file when it cannot be moved aside
     * @throws SQLException naming the file when the fresh database cannot be made or written; the
     *         damaged file is where it was then
     */
    public static Result salvage(Path file, String what, Schema schema, Throwable cause) throws SQLException, IOException {
        return salvage(file, what, schema, cause, Clock.systemUTC());
    }

    /** {@link #salvage(Path, String, Schema, Throwable)} with the clock that names the moved-aside file. */
    public static Result salvage(Path file, String what, Schema schema, Throwable cause, Clock clock)
            throws SQLException, IOException {
        Path building = companion(file, BUILDING);
        deleteDatabase(building); // what a salvage cut short by a crash left
        deleteDatabase(companion(building, "-source"));
        boolean walLost = garbageWal(companion(file, "-wal"));
        List<TableCount> tables;
        try {
            tables = rebuild(building, file, schema);
            try (FileChannel c = FileChannel.open(building, StandardOpenOption.WRITE)) {
                c.force(true);
            }
        } catch (SQLException | IOException | RuntimeException e) {
            Exception failure = e instanceof WriteFailed w ? (SQLException) w.getCause() : e;
            try {
                deleteDatabase(building);
            } catch (IOException d) {
                failure.addSuppressed(d);
            }
            if (failure instanceof SQLException sql) {
                // the code stays (a full disk is SQLITE_FULL): it is not damage, a person must act
                throw new SQLException(file + " is damaged, but no fresh database can be made beside it as " + building + ": "
                        + sql.getMessage(), sql.getSQLState(), sql.getErrorCode(), sql);
            }
            if (failure instanceof IOException io) {
                throw new IOException(file + " is damaged, but no fresh database can be made beside it as " + building + ": "
                        + io, io);
            }
            throw (RuntimeException) failure;
        }
        Path aside;
        try {
            aside = moveAside(file, clock);
        } catch (IOException e) {
            deleteDatabase(building);
            throw e;
        }
        // from here a crash leaves no file and a finished fresh one: checkFile puts it in place
        Files.move(building, file, StandardCopyOption.ATOMIC_MOVE);
        forceFolder(file.getParent());
        String why = describe(cause).replaceAll("\\s*\n\\s*", "; ");
        Result r = new Result(what, file, aside, why, tables, walLost, "");
        String unreadable = r.unreadable().isPresent()
                ? (tables.stream().anyMatch(TableCount::estimated) ? "about " : "") + r.unreadable().getAsLong()
                : "an unknown number";
        String line = file.getFileName() + " was damaged (" + why + "): moved aside as " + aside + "; " + r.salvaged()
                + " entries salvaged, " + unreadable + " could not be read ("
                + tables.stream().map(t -> t.table() + " " + t.salvaged() + " + " + (t.known() ? t.unreadable() : "?"))
                        .collect(Collectors.joining(", "))
                + (walLost ? "; its write-ahead log was garbage: what it held is lost" : "") + ")";
        log.warn(line);
        return new Result(what, file, aside, why, tables, walLost, line);
    }

    private static SQLiteException damage(SQLiteErrorCode code, String message) {
        return new SQLiteException("[" + code.name() + "] " + message, code);
    }

    /** The message of the SQLite error that showed the damage, else of {@code cause}. */
    private static String describe(Throwable cause) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = cause; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException && isDamage(t) && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return cause == null ? "damage" : String.valueOf(cause.getMessage());
    }

    private static Path companion(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    private static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Renames the file and its companions; the write-ahead log first, so that a crash half way leaves
     * the file with its last checkpoint (consistent, found damaged or not at the next start) and never
     * a log beside a fresh file that would be replayed into it.
     */
    private static Path moveAside(Path file, Clock clock) throws IOException {
        String base = file.getFileName() + ".damaged-" + STAMP.format(clock.instant());
        Path aside = file.resolveSibling(base);
        for (int n = 2; taken(aside); n++) {
            aside = file.resolveSibling(base + "-" + n);
        }
        try {
            for (String suffix : COMPANIONS) {
                if (exists(companion(file, suffix))) {
                    Files.move(companion(file, suffix), companion(aside, suffix), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            if (exists(file)) {
                Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new IOException(file + " is damaged but cannot be moved aside as " + aside + " (" + e
                    + "): move it away by hand, or give the daemon's user the right to rename files in " + file.getParent(), e);
        }
        return aside;
    }

    private static boolean taken(Path aside) {
        return exists(aside) || COMPANIONS.stream().anyMatch(s -> exists(companion(aside, s)));
    }

    /** Deletes a database and the files SQLite keeps beside it. */
    private static void deleteDatabase(Path db) throws IOException {
        for (String suffix : COMPANIONS) {
            Files.deleteIfExists(companion(db, suffix));
        }
        Files.deleteIfExists(db);
    }

    /** Makes the renames in {@code folder} durable. */
    private static void forceFolder(Path folder) {
        try (FileChannel c = FileChannel.open(folder, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            log.debug("cannot sync the folder {}: {}", folder, e.toString()); // some file systems refuse it; the rename stands
        }
    }

    /**
     * True when {@code wal} holds at least a header whose magic, version, page size or checksum is
     * not a write-ahead log's (walIndexRecover in SQLite's wal.c treats such a log as empty).
     */
    static boolean garbageWal(Path wal) {
        byte[] h;
        try {
            if (!Files.isRegularFile(wal, LinkOption.NOFOLLOW_LINKS) || Files.size(wal) < WAL_HEADER) {
                return false;
            }
            try (InputStream in = Files.newInputStream(wal)) {
                h = in.readNBytes(WAL_HEADER);
            }
        } catch (IOException e) {
            return false; // unreadable is a disk's error, not damage; SQLite will say so itself
        }
        if (h.length < WAL_HEADER) {
            return false;
        }
        int magic = word(h, 0, true);
        int pageSize = word(h, 8, true);
        if ((magic & 0xFFFFFFFE) != WAL_MAGIC || word(h, 4, true) != WAL_VERSION
                || pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0) {
            return true;
        }
        // the header's checksum is over its first 24 bytes, in the word order its magic's low bit names
        boolean bigEndian = (magic & 1) == 1;
        int s1 = 0;
        int s2 = 0;
        for (int i = 0; i < 24; i += 8) {
            s1 += word(h, i, bigEndian) + s2;
            s2 += word(h, i + 4, bigEndian) + s1;
        }
        return s1 != word(h, 24, true) || s2 != word(h, 28, true);
    }

    private static int word(byte[] b, int at, boolean bigEndian) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (b[at + (bigEndian ? i : 3 - i)] & 0xff);
        }
        return v;
    }

    /** A table of the fresh schema: its columns, whether one of them is the rowid, AUTOINCREMENT. */
    private record Table(String name, List<String> columns, String rowidColumn, boolean autoincrement, boolean withoutRowid) {
    }

    /**
     * Makes the fresh database at {@code building} from the damaged {@code file}. Without a journal
     * nor syncs: it is complete only once it is renamed into place, after one sync of the whole file;
     * a crash before that leaves the damaged file where it was, salvaged again at the next start.
     */
    private static List<TableCount> rebuild(Path building, Path file, Schema schema) throws SQLException, IOException {
        try (Connection fresh = DriverManager.getConnection("jdbc:sqlite:" + building)) {
            try (Statement s = fresh.createStatement()) {
                s.execute("PRAGMA journal_mode=OFF");
                s.execute("PRAGMA synchronous=OFF");
            }
            schema.create(fresh);
            if (!fresh.getAutoCommit()) {
                fresh.commit();
            }
            fresh.setAutoCommit(false);
            List<Table> tables = tables(fresh);
            List<TableCount> counts = new ArrayList<>();
            Path poisoned = poisonedCopy(file);
            Path source = poisoned != null ? poisoned : file;
            // reading a WAL-mode file makes its -wal and -shm: those are not the damaged file's, and go
            boolean hadWal = exists(companion(source, "-wal"));
            boolean hadShm = exists(companion(source, "-shm"));
            Connection damaged = openDamaged(source);
            try {
                for (Table t : tables) {
                    counts.add(damaged == null ? new TableCount(t.name(), 0, -1, false, false) : copy(damaged, fresh, t));
                    fresh.commit();
                }
            } finally {
                if (damaged != null) {
                    damaged.close();
                }
                Path wal = companion(source, "-wal");
                if (!hadWal && exists(wal) && Files.size(wal) == 0) {
                    Files.delete(wal);
                }
                if (!hadShm) {
                    Files.deleteIfExists(companion(source, "-shm"));
                }
                if (poisoned != null) {
                    for (String suffix : COMPANIONS) {
                        Files.deleteIfExists(companion(poisoned, suffix));
                    }
                    Files.deleteIfExists(poisoned);
                }
            }
            fresh.setAutoCommit(true);
            try (Statement s = fresh.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL"); // as its owner opens it: the mode is kept in the file
            }
            return counts;
        }
    }

    /**
     * For a truncated file (shorter than its header says, or ending inside a page): a copy in which
     * the page the end cuts, and what is missing after it, reads as 0xFF, and whose header says it has the pages it has;
     * else null. SQLite reads what lies past the end of a file as zeros, which is a valid empty
     * encoding: a row cut by the end would come out with zeros for its tail (a garbled body, a
     * created_at of 0) and nothing would fail. 0xFF is never valid there (an overflow pointer past
     * the end, a varint past the cell), and a page past the header's count is refused: so such rows
     * fail to read and are counted as lost. The copy is as large as what is left of the file, and is
     * deleted after the salvage; when it cannot be made (a full disk), the file is read as it is.
     */
    private static Path poisonedCopy(Path damaged) {
        try {
            if (!Files.isRegularFile(damaged, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            long size = Files.size(damaged);
            byte[] header;
            try (InputStream in = Files.newInputStream(damaged)) {
                header = in.readNBytes(100);
            }
            if (header.length < 100 || !new String(header, 0, 16, StandardCharsets.ISO_8859_1)
                    .equals("SQLite format 3\0")) {
                return null;
            }
            int raw = ((header[16] & 0xff) << 8) | (header[17] & 0xff);
            int pageSize = raw == 1 ? 65536 : raw;
            if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0) {
                return null;
            }
            long said = word(header, 28, true) & 0xffffffffL;
            long pages = (size + pageSize - 1) / pageSize;
            if (size % pageSize == 0 && pages >= said) {
                return null;
            }
            Path copy = companion(damaged, BUILDING + "-source");
            Files.copy(damaged, copy, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel c = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                // the page the end cuts is dropped whole: a cell whose length survived but whose bytes did not would
                // read as 0xFF without an error (a 1 kB body on a leaf cut through its cell area did)
                long whole = size / pageSize * pageSize;
                c.truncate(Math.max(whole, pageSize));
                long from = Math.max(whole, pageSize);
                byte[] poison = new byte[(int) (pages * pageSize - from)];
                Arrays.fill(poison, (byte) 0xff);
                c.write(ByteBuffer.wrap(poison), from);
                // the header's page count, trusted when its "version valid for" equals the change counter
                byte[] fix = new byte[4];
                for (int i = 0; i < 4; i++) {
                    fix[i] = (byte) (pages >>> (24 - 8 * i));
                }
                c.write(ByteBuffer.wrap(fix), 28);
                c.write(ByteBuffer.wrap(header, 24, 4), 92);
            }
            if (exists(companion(damaged, "-wal"))) {
                Files.copy(companion(damaged, "-wal"), companion(copy, "-wal"), StandardCopyOption.REPLACE_EXISTING);
            }
            return copy;
        } catch (IOException e) {
            log.warn("{} is truncated and no copy of it can be made to read it safely ({}): reading it as it is", damaged, e.toString());
            return null;
        }
    }

    /** The damaged copy, read-only (so that closing it checkpoints nothing into it); null when it cannot be opened. */
    private static Connection openDamaged(Path damaged) {
        if (!Files.isRegularFile(damaged, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        Connection c = null;
        try {
            c = config.createConnection("jdbc:sqlite:" + damaged);
            try (Statement s = c.createStatement()) {
                // as sqlite3's .dump reads a damaged file: without it, a file shorter than its header
                // says (truncated) is refused whole; and cells are checked, so a garbled one fails
                // instead of coming out as a row
                s.execute("PRAGMA writable_schema=ON");
                s.execute("PRAGMA cell_size_check=ON");
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                    rs.next();
                }
            }
            return c;
        } catch (SQLException e) {
            log.debug("{} cannot be read at all: {}", damaged, e.getMessage());
            closeQuietly(c);
            return null;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing a damaged database: {}", e.getMessage());
            }
        }
    }

    private static List<Table> tables(Connection fresh) throws SQLException {
        List<String[]> named = new ArrayList<>();
        try (Statement s = fresh.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                     + " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")) {
            while (rs.next()) {
                named.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        List<Table> tables = new ArrayList<>();
        for (String[] n : named) {
            List<String> columns = new ArrayList<>();
            List<String> pk = new ArrayList<>();
            String pkType = "";
            for (String[] c : columns(fresh, n[0])) {
                columns.add(c[0]);
                if (!c[2].equals("0")) {
                    pk.add(c[0]);
                    pkType = c[1];
                }
            }
            String sql = n[1].toUpperCase(Locale.ROOT);
            boolean withoutRowid = sql.replaceAll("\\s+", " ").contains("WITHOUT ROWID");
            // an INTEGER PRIMARY KEY is the rowid itself: copied as a column, the ids stay as they were
            String rowid = pk.size() == 1 && pkType.equalsIgnoreCase("INTEGER") && !withoutRowid ? pk.get(0) : null;
            tables.add(new Table(n[0], columns, rowid, sql.contains("AUTOINCREMENT"), withoutRowid));
        }
        return tables;
    }

    /** Name, declared type, pk position of each column. */
    private static List<String[]> columns(Connection db, String table) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + quote(table) + ")")) {
            while (rs.next()) {
                out.add(new String[] {rs.getString("name"), String.valueOf(rs.getString("type")), rs.getString("pk")});
            }
        }
        return out;
    }

    private static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static TableCount copy(Connection damaged, Connection fresh, Table t) throws SQLException {
        Set<String> there = new LinkedHashSet<>();
        try {
            for (String[] c : columns(damaged, t.name())) {
                there.add(c[0]);
            }
        } catch (SQLException e) {
            log.debug("the columns of {} cannot be read: {}", t.name(), e.getMessage());
            return new TableCount(t.name(), 0, -1, false, false);
        }
        if (there.isEmpty()) {
            return new TableCount(t.name(), 0, 0, true, false); // the damaged file had no such table
        }
        List<String> common = t.columns().stream().filter(there::contains).toList();
        TableCopy c = new TableCopy(damaged, fresh, t, common);
        try {
            c.run();
        } finally {
            c.close();
        }
        return new TableCount(t.name(), c.salvaged, c.known ? c.unreadable : -1, c.known, c.estimated);
    }

    /** The outcome of a rowid probe: {@code failed}, or the first rowid from the probed one on, or {@code end}. */
    private record Probe(boolean failed, boolean end, long rowid) {
    }

    /** Copies one table, stepping over what cannot be read (see the class comment). */
    private static final class TableCopy {
        private final Connection damaged;
        private final Table table;
        private final String list;
        private final int width;
        private final PreparedStatement insert;
        private final Long highestEver;
        /** The lowest rowid not yet looked at. */
        long next = Long.MIN_VALUE;
        /** Past the highest possible rowid: nothing is left. */
        boolean done;
        long salvaged;
        long unreadable;
        boolean known = true;
        boolean estimated;

        TableCopy(Connection damaged, Connection fresh, Table table, List<String> columns) throws SQLException {
            this.damaged = damaged;
            this.table = table;
            this.list = columns.stream().map(SqliteSalvage::quote).collect(Collectors.joining(", "));
            this.width = columns.size();
            this.insert = fresh.prepareStatement("INSERT OR REPLACE INTO " + quote(table.name()) + " (" + list + ") VALUES ("
                    + String.join(", ", Collections.nCopies(width, "?")) + ")");
            this.highestEver = table.autoincrement() ? sequence(damaged, table.name()) : null;
        }

        void run() throws SQLException {
            copyRows();
            if (highestEver != null) {
                raiseSequence();
            }
        }

        private void copyRows() throws SQLException {
            if (table.withoutRowid()) {
                // no rowid to step by: what one scan reads before its first error
                if (!scan("SELECT NULL, " + list + " FROM " + quote(table.name()), false)) {
                    known = false;
                }
                return;
            }
            while (!done && !scan("SELECT rowid, " + list + " FROM " + quote(table.name()) + " WHERE rowid >= ? ORDER BY rowid", true)) {
                Probe p = probe(next);
                if (p.end()) {
                    return;
                }
                if (p.failed()) {
                    if (!stepOverDamagedPage()) {
                        return;
                    }
                } else {
                    // the b-tree holds the row but its content (an overflow page) failed: read it once more, alone
                    if (!copyOne(p.rowid())) {
                        unreadable++;
                    }
                    passed(p.rowid());
                }
            }
        }

        /** Moves {@link #next} past {@code rowid}; a garbled cell may carry any rowid: never steps back. */
        private void passed(long rowid) {
            if (rowid == Long.MAX_VALUE) {
                done = true;
            } else {
                next = Math.max(next, rowid + 1);
            }
        }

        /** Copies rows from the cursor; true at its end, false at a read error ({@link #next} is then the row that failed). */
        private boolean scan(String sql, boolean byRowid) throws SQLException {
            try (PreparedStatement q = damaged.prepareStatement(sql)) {
                if (byRowid) {
                    q.setLong(1, next);
                }
                ResultSet rs;
                try {
                    rs = q.executeQuery();
                } catch (SQLException e) {
                    return false;
                }
                try (rs) {
                    while (true) {
                        Object[] row = new Object[width];
                        long rowid;
                        try {
                            if (!rs.next()) {
                                return true;
                            }
                            rowid = rs.getLong(1);
                            for (int i = 0; i < width; i++) {
                                row[i] = rs.getObject(i + 2);
                            }
                        } catch (SQLException e) {
                            return false;
                        }
                        if (!write(row)) {
                            unreadable++;
                        }
                        if (byRowid) {
                            passed(rowid);
                            if (done) {
                                return true;
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                if (isWrite(e)) {
                    throw e;
                }
                return false;
            }
        }

        private boolean copyOne(long rowid) throws SQLException {
            Object[] row = new Object[width];
            try (PreparedStatement q = damaged.prepareStatement("SELECT " + list + " FROM " + quote(table.name()) + " WHERE rowid = ?")) {
                q.setLong(1, rowid);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    for (int i = 0; i < width; i++) {
                        row[i] = rs.getObject(i + 1);
                    }
                }
            } catch (SQLException e) {
                return false;
            }
            return write(row);
        }

        /**
         * Writes one row read from the damaged copy; false when the fresh schema refuses it (a NOT NULL
         * column read as NULL: a garbled cell, e.g. the zeros past the end of a truncated file), which is
         * then a row that could not be read. Any other refusal (a full disk) ends the salvage.
         */
        private boolean write(Object[] row) throws SQLException {
            try {
                for (int i = 0; i < width; i++) {
                    insert.setObject(i + 1, row[i]);
                }
                insert.executeUpdate();
            } catch (SQLException e) {
                int code = (e instanceof SQLiteException s ? s.getResultCode().code : e.getErrorCode()) & 0xff;
                if (code == SQLiteErrorCode.SQLITE_CONSTRAINT.code) {
                    return false;
                }
                throw new WriteFailed(e);
            }
            salvaged++;
            return true;
        }

        /**
         * The first rowid from {@code q} on, reading b-tree pages only: it fails exactly when the page
         * that would hold {@code q} (or one of its parents) cannot be read, or the pages after it that
         * it must walk to find one.
         */
        private Probe probe(long q) {
            try (PreparedStatement p = damaged.prepareStatement("SELECT rowid FROM " + quote(table.name())
                    + " WHERE rowid >= ? ORDER BY rowid LIMIT 1")) {
                p.setLong(1, q);
                try (ResultSet rs = p.executeQuery()) {
                    return rs.next() ? new Probe(false, false, rs.getLong(1)) : new Probe(false, true, 0);
                }
            } catch (SQLException e) {
                return new Probe(true, false, 0);
            }
        }

        /**
         * The page that would hold {@link #next} is unreadable: finds the lowest rowid {@code b} whose
         * probe passes it, counts the rowids in {@code [next, b)} as unreadable and goes on from
         * {@code b}; false when nothing after it can be reached (the rest is counted up to the table's
         * sequence, when it has one). Negative rowids on a lost page are not looked for.
         */
        private boolean stepOverDamagedPage() {
            long from = Math.max(next, 0);
            long failed = from;
            long passed = -1;
            if (from != next && !probe(from).failed()) {
                passed = from;
            }
            long step = 1;
            for (int n = 0; passed < 0; n++) {
                long q = saturatedAdd(from, step);
                if (!probe(q).failed()) {
                    passed = q;
                } else if (q == Long.MAX_VALUE) {
                    // the rightmost pages are gone: nothing from `from` on can be reached
                    if (highestEver != null) {
                        unreadable += Math.max(0, highestEver - from + 1);
                        estimated = true;
                    } else {
                        known = false;
                    }
                    return false;
                } else {
                    failed = q;
                    step = n < LINEAR_PROBES ? step + 1 : saturatedAdd(step, step);
                }
            }
            while (passed - failed > 1) {
                long mid = failed + (passed - failed) / 2;
                if (probe(mid).failed()) {
                    failed = mid;
                } else {
                    passed = mid;
                }
            }
            unreadable += passed - from;
            estimated |= passed > from;
            next = passed;
            return true;
        }

        /** Keeps the fresh table's next id above every id the damaged one ever gave. */
        private void raiseSequence() throws SQLException {
            Connection fresh = insert.getConnection();
            try (PreparedStatement u = fresh.prepareStatement("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?")) {
                u.setLong(1, highestEver);
                u.setString(2, table.name());
                if (u.executeUpdate() == 0) {
                    try (PreparedStatement i = fresh.prepareStatement("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")) {
                        i.setString(1, table.name());
                        i.setLong(2, highestEver);
                        i.executeUpdate();
                    }
                }
            }
        }

        void close() throws SQLException {
            insert.close();
        }

        private static boolean isWrite(SQLException e) {
            return e instanceof WriteFailed;
        }
    }

    /** A write to the fresh database failed: that aborts the salvage, which then deletes what it made. */
    private static final class WriteFailed extends SQLException {
        private static final long serialVersionUID = 1L;

        WriteFailed(SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
        }
    }

    private static Long sequence(Connection damaged, String table) {
        try (PreparedStatement q = damaged.prepareStatement("SELECT seq FROM sqlite_sequence WHERE name = ?")) {
            q.setString(1, table);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            return null;
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
