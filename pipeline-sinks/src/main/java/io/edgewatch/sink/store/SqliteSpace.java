package io.edgewatch.sink.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a SQLite file's space back: without it a file keeps the size of its largest backlog for ever,
 * its freed pages only reused. A store's connection is switched to {@code auto_vacuum=INCREMENTAL} at
 * its open ({@link #incremental}: one {@code VACUUM} for a file made before, as SQLite wants), and after
 * it deletes it calls {@link #giveBack}, which frees at most {@link #STEP_BYTES} of free pages at a time
 * (so a delete's transaction stays short) once more than {@link #SLACK_BYTES} are free (so a queue that
 * fills and empties does not shrink and grow its file at every delivery). The file itself shrinks at the
 * next checkpoint of its write-ahead log.
 */
public final class SqliteSpace {

    private static final Logger log = LoggerFactory.getLogger(SqliteSpace.class);

    /** What the write-ahead log is cut back to once checkpointed ({@code journal_size_limit}). */
    public static final long JOURNAL_SIZE_LIMIT = 8L * 1024 * 1024;
    /**
     * SQLite's page cache per connection ({@code cache_size}, in KiB when negative): its default, 2 MiB, is held by
     * each connection for the life of the daemon, and the stores read and write near their ends.
     */
    public static final int CACHE_KIB = 512;
    /** Free pages freed at most per {@link #giveBack}. */
    public static final long STEP_BYTES = 8L * 1024 * 1024;
    /** Free pages kept for the next writes before any is given back. */
    public static final long SLACK_BYTES = 1024L * 1024;

    private SqliteSpace() {
    }

    /**
     * Sets the pragmas of space on {@code c} ({@code journal_size_limit}, {@code cache_size}) and, when {@code switchFile},
     * switches the file to {@code auto_vacuum=INCREMENTAL}: at once for a file of no tables, by one {@code VACUUM} for one
     * made before (logged with its sizes). {@code c} must be in auto-commit mode. A {@code VACUUM} that fails (it needs
     * about the file's size free on disk) is logged and left for the next open: the store works without it.
     */
    public static void incremental(Connection c, Path file, String name, boolean switchFile) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_size_limit=" + JOURNAL_SIZE_LIMIT);
            s.execute("PRAGMA cache_size=-" + CACHE_KIB);
            if (!switchFile || pragma(s, "auto_vacuum") == 2) {
                return;
            }
            s.execute("PRAGMA auto_vacuum=INCREMENTAL");
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM sqlite_master")) {
                if (rs.next() && rs.getLong(1) == 0) {
                    return; // no table yet: it takes effect with the first
                }
            }
            long before = pragma(s, "page_count") * pragma(s, "page_size");
            long started = System.nanoTime();
            try {
                s.execute("VACUUM");
            } catch (SQLException e) {
                log.warn("{} {}: cannot switch to incremental vacuum ({}); its free pages are reused but not given back until"
                        + " a start can", name, file, e.getMessage());
                return;
            }
            long after = pragma(s, "page_count") * pragma(s, "page_size");
            log.info("{} {}: switched to incremental vacuum ({} kB, {} kB once vacuumed, in {} ms); space it frees is given"
                    + " back from now on", name, file, before / 1024, after / 1024, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /**
     * When more than {@link #SLACK_BYTES} of {@code c}'s file are free pages, frees up to {@link #STEP_BYTES} of them
     * ({@code PRAGMA incremental_vacuum(N)}), in the current transaction if one is open; returns the pages freed. Does
     * nothing on a file not in incremental mode.
     */
    public static long giveBack(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            long free = pragma(s, "freelist_count");
            long page = pragma(s, "page_size");
            if (free * page <= SLACK_BYTES || pragma(s, "auto_vacuum") != 2) {
                return 0;
            }
            long pages = Math.min(free, STEP_BYTES / page);
            // it frees one page per step of its statement: executeUpdate(String) runs it to its end (sqlite3_exec),
            // where execute and a prepared statement step it once, one page
            s.executeUpdate("PRAGMA incremental_vacuum(" + pages + ")");
            return free - pragma(s, "freelist_count");
        }
    }

    private static long pragma(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
