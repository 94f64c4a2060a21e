package io.edgewatch.sink.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The corpus of damaged storage (random bytes, truncated to a third, a page in the middle zeroed, a
 * garbage write-ahead log, a directory where the file should be), each opened as the outbox opens its
 * file: the damage is seen at the start, the file moved aside, and the fresh database holds exactly the
 * rows that Debian's {@code sqlite3} can still read intact from a copy of the damaged file, and takes
 * new entries. Then the errors that are not damage (a full disk, an unwritable folder or file).
 */
class SqliteSalvageTest {

    private static final int ROWS = 2000;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T17:00:00Z"), ZoneOffset.UTC);
    private static final String ASIDE = "outbox.db.damaged-20261207T170000Z";
    private static final String COLUMNS = "id, destination, camera_id, kind, body, created_at, attempts";

    @TempDir
    Path dir;

    /** The outbox's schema, as Outbox's constructor makes it. */
    static void schema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL,"
                    + " camera_id TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL,"
                    + " attempts INTEGER NOT NULL DEFAULT 0)");
            s.execute("CREATE INDEX IF NOT EXISTS outbox_destination ON outbox (destination, id)");
            s.execute("CREATE TABLE IF NOT EXISTS dead_letter (id INTEGER PRIMARY KEY, destination TEXT NOT NULL,"
                    + " camera_id TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL,"
                    + " status INTEGER NOT NULL, reason TEXT NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS destination_state (destination TEXT PRIMARY KEY, stopped INTEGER NOT NULL,"
                    + " reason TEXT, since INTEGER NOT NULL)");
            for (String name : List.of("accepted", "delivered", "retries", "evicted")) {
                s.execute("INSERT OR IGNORE INTO counters (name, value) VALUES ('" + name + "', 0)");
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /** Opens as the outbox does: its PRAGMAs, the content check, its schema; closes the connection when that fails. */
    static Connection connect(Path file) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
            }
            c.setAutoCommit(false);
            SqliteSalvage.checkContent(c, file);
            schema(c);
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static SqliteSalvage.Opened<Connection> open(Path file) throws SQLException, IOException {
        return SqliteSalvage.open(file, "outbox", SqliteSalvageTest::schema, () -> connect(file), CLOCK);
    }

    // ---------------------------------------------------------------- the corpus

    @Test
    void randomBytesSalvageNothingAndLeaveAWorkingDatabase() throws Exception {
        Path good = outbox(dir.resolve("good"), ROWS);
        Path file = damagedFolder("random").resolve("outbox.db");
        byte[] noise = new byte[(int) Files.size(good)];
        new Random(7).nextBytes(noise);
        Files.write(file, noise);
        SqliteSalvage.Result r = survives("random bytes", file, rows(good));
        assertThat(r.salvaged()).isZero();
        assertThat(r.unreadable()).as("nothing says how many there were").isEmpty();
        assertThat(r.message()).contains("SQLITE_NOTADB").contains("0 entries salvaged, an unknown number could not be read");
    }

    @Test
    void aFileTruncatedToAThirdKeepsTheRowsOfItsFirstThird() throws Exception {
        Path good = outbox(dir.resolve("good"), ROWS);
        Path file = damagedFolder("truncated").resolve("outbox.db");
        byte[] all = Files.readAllBytes(good);
        Files.write(file, Arrays.copyOf(all, all.length / 3));
        SqliteSalvage.Result r = survives("truncated to a third", file, rows(good));
        assertThat(r.table("outbox").salvaged()).isBetween(1L, (long) ROWS - 1);
        // the table's end is gone; its sqlite_sequence (an early page) says how far it went
        assertThat(r.table("outbox").known()).isTrue();
        assertThat(r.table("outbox").salvaged() + r.table("outbox").unreadable()).isEqualTo(ROWS);
    }

    @Test
    void aZeroedPageInTheMiddleLosesOnlyItsRows() throws Exception {
        Path good = outbox(dir.resolve("good"), ROWS);
        Path file = damagedFolder("zeroed-page").resolve("outbox.db");
        int pageSize;
        long pages;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + good); Statement s = c.createStatement()) {
            pageSize = single(s, "PRAGMA page_size").intValue();
            pages = single(s, "PRAGMA page_count");
        }
        long page = pages / 2;
        System.out.println("zeroed page " + page + " of " + pages + " (" + pageSize + " bytes): "
                + sqlite3(good, "SELECT name || ' ' || pagetype FROM dbstat WHERE pageno = " + page).out().strip());
        byte[] all = Files.readAllBytes(good);
        Arrays.fill(all, (int) ((page - 1) * pageSize), (int) (page * pageSize), (byte) 0);
        Files.write(file, all);
        SqliteSalvage.Result r = survives("one page in the middle zeroed", file, rows(good));
        assertThat(r.table("outbox").salvaged()).isBetween((long) ROWS / 2, (long) ROWS - 1);
        assertThat(r.table("outbox").salvaged() + r.table("outbox").unreadable()).isEqualTo(ROWS);
    }

    @Test
    void aZeroedLeafInTheMiddleLosesOnlyTheRowsOnIt() throws Exception {
        Path good = outbox(dir.resolve("good"), ROWS);
        Path file = damagedFolder("zeroed-leaf").resolve("outbox.db");
        List<Long> leaves = new ArrayList<>();
        for (String line : sqlite3(good, "SELECT pageno FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf' ORDER BY path")
                .out().split("\n")) {
            if (!line.isBlank()) {
                leaves.add(Long.parseLong(line.strip()));
            }
        }
        long page = leaves.get(leaves.size() / 2);
        int pageSize;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + good); Statement s = c.createStatement()) {
            pageSize = single(s, "PRAGMA page_size").intValue();
        }
        System.out.println("zeroed leaf: page " + page + ", the middle one of the outbox's " + leaves.size() + " leaves");
        byte[] all = Files.readAllBytes(good);
        Arrays.fill(all, (int) ((page - 1) * pageSize), (int) (page * pageSize), (byte) 0);
        Files.write(file, all);
        SqliteSalvage.Result r = survives("a leaf in the middle zeroed", file, rows(good));
        assertThat(r.table("outbox").salvaged()).isBetween((long) ROWS / 2, (long) ROWS - 1);
        assertThat(r.table("outbox").estimated()).isTrue();
        // ids are dense here: the span of the lost leaf is the number of its rows
        assertThat(r.table("outbox").salvaged() + r.table("outbox").unreadable()).isEqualTo(ROWS);
    }

    @Test
    void aGarbageWriteAheadLogIsDamageAndTheFileKeepsItsCheckpointedRows() throws Exception {
        Path folder = damagedFolder("garbage-wal");
        Path file = folder.resolve("outbox.db");
        Path live = dir.resolve("live");
        Files.createDirectories(live);
        Map<Long, String> original;
        // committed frames in the -wal: rows written after a checkpoint, with the connection kept open
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + live.resolve("outbox.db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA wal_autocheckpoint=0");
            }
            schema(c);
            fill(c, 1, ROWS);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            fill(c, ROWS + 1, 100);
            assertThat(Files.size(live.resolve("outbox.db-wal"))).as("the last rows are in the log").isPositive();
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.copy(live.resolve("outbox.db" + suffix), folder.resolve("outbox.db" + suffix));
            }
            original = rows(c);
        }
        assertThat(original).hasSize(ROWS + 100);
        byte[] noise = new byte[(int) Files.size(folder.resolve("outbox.db-wal"))];
        new Random(11).nextBytes(noise);
        Files.write(folder.resolve("outbox.db-wal"), noise);
        SqliteSalvage.Result r = survives("garbage WAL", file, original);
        assertThat(r.walLost()).isTrue();
        assertThat(r.table("outbox").salvaged()).isEqualTo(ROWS);
        assertThat(r.unreadable()).as("how much the log held is unknown").isEmpty();
        assertThat(Files.readAllBytes(folder.resolve(ASIDE + "-wal"))).as("its log moved aside with it").isEqualTo(noise);
    }

    @Test
    void aDirectoryWhereTheFileShouldBeIsMovedAside() throws Exception {
        Path file = damagedFolder("directory").resolve("outbox.db");
        Files.createDirectories(file);
        Files.writeString(file.resolve("left-here"), "x");
        SqliteSalvage.Result r = survives("a directory", file, Map.of());
        assertThat(r.salvaged()).isZero();
        assertThat(r.movedAside().resolve("left-here")).hasContent("x");
    }

    // ---------------------------------------------------------------- not damage

    @Test
    void onlyCorruptAndNotADatabaseAreDamageWhateverTheirExtendedCode() {
        for (SQLiteErrorCode code : SQLiteErrorCode.values()) {
            boolean damage = (code.code & 0xff) == 11 || (code.code & 0xff) == 26;
            assertThat(SqliteSalvage.isDamage(new SQLiteException(code.message, code))).as(code.name()).isEqualTo(damage);
        }
        assertThat(SqliteSalvage.isDamage(new SQLiteException("x", SQLiteErrorCode.SQLITE_CORRUPT_INDEX))).isTrue();
        assertThat(SqliteSalvage.isDamage(new SQLiteException("x", SQLiteErrorCode.SQLITE_CANTOPEN_ISDIR))).isFalse();
        assertThat(SqliteSalvage.isDamage(new SQLiteException("x", SQLiteErrorCode.SQLITE_IOERR_CORRUPTFS))).isFalse();
        // as the outbox wraps it, and as a plain SQLException carrying the code
        assertThat(SqliteSalvage.isDamage(new IllegalStateException("cannot open the outbox",
                new SQLiteException("x", SQLiteErrorCode.SQLITE_NOTADB)))).isTrue();
        assertThat(SqliteSalvage.isDamage(new SQLException("x", "HY000", 267))).as("SQLITE_CORRUPT_VTAB").isTrue();
        assertThat(SqliteSalvage.isDamage(new SQLException("x"))).isFalse();
    }

    @Test
    void aFullDiskAtTheStartStaysItsOwnErrorAndNothingIsMovedAside() throws Exception {
        Path good = outbox(dir.resolve("full"), 50);
        SQLException full = null;
        try {
            SqliteSalvage.open(good, "outbox", SqliteSalvageTest::schema, () -> {
                Connection c = connect(good);
                try (Statement s = c.createStatement()) {
                    // the disk is full: no page beyond those the file has
                    s.execute("PRAGMA max_page_count = " + single(s, "PRAGMA page_count"));
                    s.execute("INSERT INTO outbox (destination, camera_id, kind, body, created_at) VALUES ('rf', 'a', 'r', zeroblob(100000), 0)");
                    c.commit();
                    return c;
                } catch (SQLException e) {
                    c.close();
                    throw e;
                }
            }, CLOCK);
        } catch (SQLException e) {
            full = e;
        }
        assertThat((Throwable) full).isNotNull();
        assertThat(((SQLiteException) full).getResultCode().code & 0xff).isEqualTo(SQLiteErrorCode.SQLITE_FULL.code);
        assertThat(SqliteSalvage.isDamage(full)).isFalse();
        assertThat(siblings(good)).containsExactly("outbox.db");
        assertThat(rows(good)).hasSize(50);
    }

    @Test
    void anUnwritableFolderOrFileAtTheStartStaysItsOwnErrorAndNothingIsMovedAside() throws Exception {
        // tests run as root, whom chmod does not stop; the immutable attribute stops root too (EPERM)
        Path empty = dir.resolve("unwritable-folder");
        Files.createDirectories(empty);
        Path fresh = empty.resolve("outbox.db");
        locked(empty, () -> assertThatThrownBy(() -> open(fresh)).isInstanceOfSatisfying(SQLException.class, e -> {
            System.out.println("unwritable folder: " + e.getMessage());
            assertThat(SqliteSalvage.isDamage(e)).isFalse();
        }));
        assertThat(siblings(fresh)).isEmpty();

        Path good = outbox(dir.resolve("unwritable-file"), 50);
        locked(good.getParent(), () -> locked(good, () -> assertThatThrownBy(() -> open(good))
                .isInstanceOfSatisfying(SQLException.class, e -> {
                    System.out.println("unwritable file: " + e.getMessage());
                    assertThat(SqliteSalvage.isDamage(e)).isFalse();
                })));
        assertThat(siblings(good)).containsExactly("outbox.db");
        assertThat(rows(good)).hasSize(50);
    }

    @Test
    void aDamagedFileThatCannotBeSalvagedInItsFolderIsAnErrorNamingIt() throws Exception {
        Path folder = damagedFolder("stuck");
        Path file = folder.resolve("outbox.db");
        Files.write(file, "not a database, and long enough to be read as a header by SQLite............."
                .repeat(10).getBytes(StandardCharsets.US_ASCII));
        locked(folder, () -> assertThatThrownBy(() -> open(file))
                .hasMessageContaining(file + " is damaged, but no fresh database can be made beside it as " + file + ".salvaging")
                .satisfies(e -> assertThat(SqliteSalvage.isDamage(e)).as("the error that stops the salvage is not damage").isFalse()));
        assertThat(siblings(file)).containsExactly("outbox.db");
    }

    @Test
    void aDamagedFileThatCannotBeMovedAsideIsAnErrorNamingIt() throws Exception {
        Path folder = damagedFolder("immovable");
        Path file = folder.resolve("outbox.db");
        byte[] noise = new byte[8192];
        new Random(3).nextBytes(noise);
        Files.write(file, noise);
        locked(file, () -> assertThatThrownBy(() -> open(file)).isInstanceOf(IOException.class)
                .hasMessageContaining(file + " is damaged but cannot be moved aside as " + folder.resolve(ASIDE)));
        assertThat(siblings(file)).as("the fresh database made beside it is gone").containsExactly("outbox.db");
        assertThat(Files.readAllBytes(file)).isEqualTo(noise);
    }

    @Test
    void aSalvageCutShortIsDoneAgainOrFinished() throws Exception {
        // cut short while the fresh database was made: the damaged file is still in place, salvaged again
        Path good = outbox(dir.resolve("cut-early"), 40);
        byte[] all = Files.readAllBytes(good);
        Arrays.fill(all, 4096, all.length, (byte) 0); // everything after the first page
        Files.write(good, all);
        Files.writeString(good.resolveSibling("outbox.db.salvaging"), "half made");
        SqliteSalvage.Opened<Connection> again = open(good);
        again.store().close();
        assertThat(again.salvage()).isPresent();
        assertThat(siblings(good)).containsExactly("outbox.db", ASIDE);

        // cut short between the renames: no file, a finished fresh one beside it, put in place
        Path finished = outbox(dir.resolve("cut-late"), 40);
        Files.move(finished, finished.resolveSibling("outbox.db.salvaging"));
        SqliteSalvage.Opened<Connection> late = open(finished);
        late.store().close();
        assertThat(late.salvage()).isEmpty();
        assertThat(rows(finished)).hasSize(40);
        assertThat(siblings(finished)).containsExactly("outbox.db");
    }

    @Test
    void damageFoundWhileRunningIsSalvagedAsAtTheStart() throws Exception {
        Path good = outbox(dir.resolve("running"), ROWS);
        Map<Long, String> original = rows(good);
        SqliteSalvage.Opened<Connection> o = open(good);
        assertThat(o.salvage()).isEmpty();
        Connection db = o.store();
        int pageSize;
        List<Long> leaves = new ArrayList<>();
        for (String line : sqlite3(good, "SELECT pageno FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf' ORDER BY path")
                .out().split("\n")) {
            if (!line.isBlank()) {
                leaves.add(Long.parseLong(line.strip()));
            }
        }
        try (Statement s = db.createStatement()) {
            pageSize = single(s, "PRAGMA page_size").intValue();
        }
        db.commit();
        // the disk garbles a leaf under the running daemon
        long page = leaves.get(leaves.size() / 3);
        try (FileChannel c = FileChannel.open(good, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(new byte[pageSize]), (page - 1) * pageSize);
        }
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA shrink_memory"); // its cache forgets the page, as a busy daemon's would
        }
        SQLException seen = null;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT body FROM outbox ORDER BY id")) {
            while (rs.next()) {
                rs.getBytes(1);
            }
        } catch (SQLException e) {
            seen = e;
        }
        assertThat((Throwable) seen).as("a read meets the damage").isNotNull();
        assertThat(SqliteSalvage.isDamage(seen)).isTrue();
        db.rollback();
        db.close();
        SqliteSalvage.Result r = SqliteSalvage.salvage(good, "outbox", SqliteSalvageTest::schema, seen, CLOCK);
        Map<Long, String> salvaged = rows(good);
        System.out.println("while running: " + r.message());
        assertThat(original).containsAllEntriesOf(salvaged);
        assertThat((long) salvaged.size()).isEqualTo(r.table("outbox").salvaged()).isBetween((long) ROWS / 2, (long) ROWS - 1);
        assertThat(r.table("outbox").salvaged() + r.table("outbox").unreadable()).isEqualTo(ROWS);
        try (Connection again = connect(good)) {
            assertThat(rows(again)).hasSize(salvaged.size());
        }
    }

    @Test
    void anEarlierDamagedFileIsNeverOverwritten() throws Exception {
        Path folder = damagedFolder("twice");
        Path file = folder.resolve("outbox.db");
        Files.writeString(file, "first ".repeat(200));
        SqliteSalvage.Opened<Connection> first = open(file);
        first.store().close();
        // the fresh file is damaged in its turn, at the same second
        Files.writeString(file, "second ".repeat(200));
        SqliteSalvage.Opened<Connection> second = open(file);
        second.store().close();
        assertThat(second.salvage().orElseThrow().movedAside()).hasFileName(ASIDE + "-2");
        assertThat(folder.resolve(ASIDE)).hasContent("first ".repeat(200));
        assertThat(folder.resolve(ASIDE + "-2")).hasContent("second ".repeat(200));
    }

    @Test
    void aSoundFileIsOpenedAsItIs() throws Exception {
        Path good = outbox(dir.resolve("sound"), 300);
        SqliteSalvage.Opened<Connection> o = open(good);
        o.store().close();
        assertThat(o.salvage()).isEmpty();
        assertThat(rows(good)).hasSize(300);
        assertThat(siblings(good)).containsExactly("outbox.db");
    }

    // ---------------------------------------------------------------- the comparison with sqlite3

    /**
     * Opens the damaged {@code file} as the outbox does and checks the outcome against what Debian's
     * sqlite3 reads from a copy of it (with its -wal and -shm), made before. "Can still read" is: asked
     * for each id the original had, one {@code SELECT … WHERE id = ?} at a time (with
     * {@code writable_schema=ON}, as its {@code .dump} reads a damaged file), sqlite3 answers the row
     * with every value the original's. The salvage must hold exactly those rows, each intact; and at
     * least what sqlite3's {@code .dump} gets out (its rows before the first error and, read backwards,
     * after the last) and what a plain {@code SELECT} reads before its first error. (Debian's sqlite3
     * has no {@code .recover}: it is built without the sqlite_dbpage table that needs.)
     */
    private SqliteSalvage.Result survives(String name, Path file, Map<Long, String> original) throws Exception {
        Path copy = dir.resolve("sqlite3-copy").resolve(name.replace(' ', '-')).resolve("outbox.db");
        Files.createDirectories(copy.getParent());
        copyDatabase(file, copy);
        String damagedDigest = Files.isRegularFile(file) ? digest(Files.readAllBytes(file)) : null;

        SqliteSalvage.Opened<Connection> o = open(file);
        try (Connection db = o.store()) {
            assertThat(o.salvage()).as(name + ": the damage is seen at the start").isPresent();
            SqliteSalvage.Result r = o.salvage().get();
            Map<Long, String> salvaged = rows(db);

            Map<Long, String> answers = oneByOne(copy, original);
            Set<Long> readable = new TreeSet<>();
            answers.forEach((id, row) -> {
                if (row.equals(original.get(id))) {
                    readable.add(id);
                }
            });
            Set<Long> dumped = dumpedIntact(copy, original);
            List<Long> plain = plainSelect(copy, original);
            System.out.printf("corpus %-30s salvaged %4d of %4d outbox rows (%s could not be read); sqlite3 reads %4d one by one,"
                    + " %4d by .dump, %4d by a plain SELECT before its first error; all tables: %d rows salvaged%n", name,
                    r.table("outbox").salvaged(), original.size(), r.table("outbox").known() ? (r.table("outbox").estimated()
                    ? "about " : "") + r.table("outbox").unreadable() : "an unknown number", readable.size(), dumped.size(),
                    plain.size(), r.salvaged());
            System.out.println("  line: " + r.message());

            assertThat(original).as(name + ": each salvaged row is the original").containsAllEntriesOf(salvaged);
            if (name.startsWith("truncated")) {
                // the page the end cuts is dropped whole (its cells cannot be told from garbled ones): the rows sqlite3
                // still reads there, and only those, are not salvaged; they are the table's last, past every salvaged one
                long last = salvaged.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
                assertThat(readable).as(name + ": salvaged rows sqlite3 reads too").containsAll(salvaged.keySet());
                assertThat(readable.stream().filter(id -> !salvaged.containsKey(id)).toList())
                        .as(name + ": rows sqlite3 reads that were not salvaged lie past the last salvaged one")
                        .allMatch(id -> id > last);
                readable.removeIf(id -> id > last);
                dumped.removeIf(id -> id > last);
                plain.removeIf(id -> id > last);
            }
            Set<Long> differ = new TreeSet<>(salvaged.keySet());
            differ.addAll(readable);
            differ.removeIf(id -> salvaged.containsKey(id) == readable.contains(id));
            assertThat(differ).as(name + ": the rows sqlite3 can still read are the salvaged ones; where not, sqlite3 answered "
                    + differ.stream().limit(5).map(id -> id + " -> " + answers.get(id) + " (was " + original.get(id) + ")").toList())
                    .isEmpty();
            assertThat(salvaged.keySet()).isEqualTo(readable);
            assertThat(salvaged.keySet()).as(name + ": what .dump gets out").containsAll(dumped);
            assertThat(salvaged.keySet()).as(name + ": what a plain SELECT reads").containsAll(plain);
            assertThat(r.table("outbox").salvaged()).isEqualTo(salvaged.size());
            assertThat(r.movedAside()).isEqualTo(file.resolveSibling(ASIDE));
            if (damagedDigest != null) {
                assertThat(digest(Files.readAllBytes(r.movedAside()))).as("the damaged file is left as it was").isEqualTo(damagedDigest);
            }

            // the daemon goes on: the fresh database takes an entry, after every id it had
            long id;
            try (PreparedStatement p = db.prepareStatement("INSERT INTO outbox (destination, camera_id, kind, body, created_at)"
                    + " VALUES ('rf', 'a', 'report', ?, 1)", Statement.RETURN_GENERATED_KEYS)) {
                p.setBytes(1, "{}".getBytes(StandardCharsets.UTF_8));
                p.executeUpdate();
                try (ResultSet k = p.getGeneratedKeys()) {
                    k.next();
                    id = k.getLong(1);
                }
            }
            db.commit();
            assertThat(id).isGreaterThan(salvaged.keySet().stream().mapToLong(Long::longValue).max().orElse(0));
            assertThat(rows(db)).hasSize(salvaged.size() + 1);
            try (Statement s = db.createStatement()) {
                assertThat(single(s, "SELECT count(*) FROM counters")).isEqualTo(4);
            }
            return r;
        }
    }

    /** Copies a database with its -wal and -shm (or a directory, as a directory). */
    private static void copyDatabase(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        if (Files.isDirectory(from)) {
            Files.createDirectories(to);
            return;
        }
        for (String suffix : List.of("", "-wal", "-shm")) {
            Path f = from.resolveSibling(from.getFileName() + suffix);
            if (Files.exists(f)) {
                Files.copy(f, to.resolveSibling(to.getFileName() + suffix), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** A fresh copy of {@code copy} for one sqlite3 run: sqlite3 checkpoints a valid log into what it opens. */
    private Path scratch(Path copy, String use) throws IOException {
        Path again = copy.resolveSibling(use).resolve(copy.getFileName());
        copyDatabase(copy, again);
        return again;
    }

    /** What sqlite3 answers for each id the original had, asked for it alone (ids it answers nothing for are left out). */
    private Map<Long, String> oneByOne(Path copy, Map<Long, String> original) throws Exception {
        Path script = copy.resolveSibling("one-by-one.sql");
        StringBuilder sql = new StringBuilder("PRAGMA writable_schema=ON;\n");
        for (long id : original.keySet()) {
            sql.append("SELECT id, destination, camera_id, kind, length(body), hex(sha3(body)), created_at, attempts FROM outbox WHERE id = ")
                    .append(id).append(";\n");
        }
        Files.writeString(script, sql);
        Cli out = sqlite3(scratch(copy, "one-by-one"), null, script);
        Map<Long, String> answers = new TreeMap<>();
        for (String line : out.out().split("\n")) {
            int bar = line.indexOf('|');
            if (bar > 0) {
                answers.put(Long.parseLong(line.substring(0, bar)), line.substring(bar + 1));
            }
        }
        return answers;
    }

    /** The ids of the rows sqlite3's {@code .dump} gets out of {@code copy} intact, loaded as it wrote them. */
    private Set<Long> dumpedIntact(Path copy, Map<Long, String> original) throws Exception {
        String dump = sqlite3(scratch(copy, "dump"), ".dump", null).out();
        // it ends "ROLLBACK; -- due to errors" when it met damage: a person keeps what it got
        Path sql = copy.resolveSibling("dump.sql");
        Files.writeString(sql, dump.replace("ROLLBACK; -- due to errors", "COMMIT;"), StandardCharsets.ISO_8859_1);
        Path db = copy.resolveSibling("dumped.db");
        sqlite3(db, null, sql);
        Set<Long> intact = new TreeSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            if (single(s, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'") == 0) {
                return intact;
            }
            rows(c).forEach((id, row) -> {
                if (row.equals(original.get(id))) {
                    intact.add(id);
                }
            });
        }
        return intact;
    }

    /** The ids of the rows {@code sqlite3 copy "SELECT … FROM outbox ORDER BY id"} prints intact before its first error. */
    private List<Long> plainSelect(Path copy, Map<Long, String> original) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (String line : sqlite3(scratch(copy, "plain"), "SELECT id, destination, camera_id, kind, length(body), hex(sha3(body)),"
                + " created_at, attempts FROM outbox ORDER BY id", null).out().split("\n")) {
            int bar = line.indexOf('|');
            if (bar > 0 && line.substring(bar + 1).equals(original.get(Long.parseLong(line.substring(0, bar))))) {
                ids.add(Long.parseLong(line.substring(0, bar)));
            }
        }
        return ids;
    }

    private record Cli(String out, String err) {
    }

    private static String sqlite3() {
        for (String p : List.of("/usr/bin/sqlite3", "/bin/sqlite3", "/usr/local/bin/sqlite3")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return fail("Debian's sqlite3 is missing: run scripts/install-test-deps (as root), which installs it");
    }

    private Cli sqlite3(Path db, String command) throws Exception {
        return sqlite3(db, command, null);
    }

    /** Runs {@code sqlite3 db command}, or {@code sqlite3 db < script}; its output and errors. */
    private Cli sqlite3(Path db, String command, Path script) throws Exception {
        Path o = Files.createTempFile(dir, "sqlite3", ".out");
        Path e = Files.createTempFile(dir, "sqlite3", ".err");
        List<String> line = new ArrayList<>(List.of(sqlite3(), db.toString()));
        if (command != null) {
            line.add(command);
        }
        Process p = new ProcessBuilder(line).redirectOutput(o.toFile()).redirectError(e.toFile())
                .redirectInput(script != null ? script.toFile() : Path.of("/dev/null").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("sqlite3 " + db + " " + command + " ends").isTrue();
        return new Cli(Files.readString(o, StandardCharsets.ISO_8859_1), Files.readString(e, StandardCharsets.ISO_8859_1));
    }

    // ---------------------------------------------------------------- fixtures

    private Path damagedFolder(String name) throws IOException {
        return Files.createDirectories(dir.resolve("damaged").resolve(name));
    }

    /** A closed outbox of {@code n} entries (ids 1..n, bodies of 20 bytes to 13 kB, a fifth on overflow pages; a b-tree of two levels, so that the start of a truncated file still holds rows) and the rest. */
    private static Path outbox(Path folder, int n) throws SQLException, IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve("outbox.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
            }
            schema(c);
            fill(c, 1, n);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (int i = 1; i <= 30; i++) {
                    s.execute("INSERT INTO dead_letter VALUES (" + (10_000 + i) + ", 'rf', 'cam-" + i + "', 'report', x'7b7d', " + i
                            + ", 400, 'rejected')");
                }
                s.execute("UPDATE counters SET value = " + n + " WHERE name = 'accepted'");
                s.execute("INSERT INTO destination_state VALUES ('rf', 1, 'key refused', 5)");
            }
            c.commit();
        }
        return file;
    }

    private static void fill(Connection c, int firstId, int n) throws SQLException {
        Random random = new Random(firstId);
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement p = c.prepareStatement("INSERT INTO outbox (id, destination, camera_id, kind, body, created_at,"
                + " attempts) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < n; i++) {
                long id = firstId + i;
                byte[] body = new byte[random.nextInt(5) == 0 ? 4_000 + random.nextInt(9_000) : 20 + random.nextInt(600)];
                random.nextBytes(body);
                p.setLong(1, id);
                p.setString(2, id % 3 == 0 ? "webhook" : "roboflow");
                p.setString(3, "cam-" + (id % 7));
                p.setString(4, id % 5 == 0 ? "metadata" : "report");
                p.setBytes(5, body);
                p.setLong(6, 1_765_000_000_000L + id * 1000);
                p.setLong(7, id % 4);
                p.executeUpdate();
            }
        }
        c.commit();
        c.setAutoCommit(auto);
    }

    private static Map<Long, String> rows(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            return rows(c);
        }
    }

    /** Each outbox row by id, as one string of its values (the body as a digest). */
    private static Map<Long, String> rows(Connection c) throws SQLException {
        Map<Long, String> rows = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + COLUMNS + " FROM outbox ORDER BY id")) {
            while (rs.next()) {
                byte[] body = rs.getBytes(5);
                rows.put(rs.getLong(1), rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4) + "|"
                        + (body == null ? "null|null" : body.length + "|" + sha3(body)) + "|" + rs.getObject(6) + "|" + rs.getObject(7));
            }
        }
        return rows;
    }

    private static Long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** As sqlite3's {@code hex(sha3(X))}. */
    private static String sha3(byte[] b) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA3-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String digest(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> siblings(Path file) throws IOException {
        if (!Files.isDirectory(file.getParent())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(file.getParent())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} while {@code path} cannot be written: immutable for root, read-only for anyone else. */
    private static void locked(Path path, Body body) throws Exception {
        boolean root = "0".equals(run("id", "-u").strip());
        if (root) {
            String out = run("chattr", "+i", path.toString());
            assertThat(run("lsattr", "-d", path.toString())).as("chattr +i " + path + ": " + out).matches("(?s)^\\S*i\\S* .*");
        } else {
            assertThat(path.toFile().setWritable(false, false)).isTrue();
        }
        try {
            body.run();
        } finally {
            if (root) {
                run("chattr", "-i", path.toString());
            } else {
                path.toFile().setWritable(true, true);
            }
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
