package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.FaultyReceiver;
import io.edgewatch.testkit.FaultyReceiver.Mode;
import io.edgewatch.testkit.SmallDisk;

/**
 * The fault table: the daemon as a child process reporting one test-pattern camera (a window a
 * second) to a receiver that misbehaves at the socket level, then recovers; per fault, the
 * windows written to JSONL against the report bodies the receiver answered 2xx (by window
 * timestamp): lost (never answered 2xx and not waiting in the outbox), sent again after the receiver had
 * answered it 2xx (must be 0 after clean stops), and sent again after an attempt that got no 2xx
 * (at least once, by design). Printed at the end, and written to {@code target/fault-table.md}.
 */
class DeliveryFaultTest {

    private static final String KEY = "rf_fault_table_key_9";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");
    private static final List<String> TABLE = new ArrayList<>();

    @TempDir
    Path dir;

    /** One row of the table. */
    private record Row(String fault, int windows, int received, int lost, int resentAfter2xx, int resentAfterFailure,
                       int waiting, int lostAtKill) {
        String line() {
            return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %d |", fault, windows, received, lost,
                    resentAfter2xx, resentAfterFailure, waiting, lostAtKill);
        }
    }

    private Path config(Path root, String url, Path storage) throws Exception {
        Path cfg = root.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                health:
                  port: 0
                roboflow:
                  api_key: ${ROBOFLOW_API_KEY}
                  api_url: %s
                  workspace: ws
                  timeout: 2s
                  retry_max: 1s
                  probe_interval: 1s
                """.formatted(storage, root.resolve("out/reports.jsonl"), url));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), ConfigFolder.PATTERN_CAMERA);
        return cfg;
    }

    private Process start(Path cfg, Path root) throws Exception {
        return DaemonProcess.run(Edgewatch.class, cfg, root.resolve("daemon.log"), Map.of("ROBOFLOW_API_KEY", KEY));
    }

    /** Each JSONL window's report timestamp, as the Roboflow body carries it. */
    private static List<String> windows(Path root) throws Exception {
        Path jsonl = root.resolve("out/reports.jsonl");
        List<String> out = new ArrayList<>();
        if (Files.exists(jsonl)) {
            for (String line : Files.readAllLines(jsonl)) {
                Instant end = Instant.parse(JSON.readTree(line).get("window_end").asText());
                out.add(LocalDateTime.ofInstant(end, ZoneId.systemDefault()).format(TIMESTAMP));
            }
        }
        return out;
    }

    private static Set<String> waiting(Path storage) throws Exception {
        Set<String> out = new HashSet<>();
        Path db = storage.resolve("outbox.db");
        if (!Files.exists(db)) {
            return out;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT body FROM outbox WHERE kind = 'report'")) {
            while (rs.next()) {
                out.add(JSON.readTree(rs.getBytes(1)).get("timestamp").asText());
            }
        }
        return out;
    }

    private static Row count(String fault, Path root, Path storage, FaultyReceiver receiver, int lostAtKill) throws Exception {
        List<String> windows = windows(root);
        Map<String, Integer> seen = new HashMap<>();
        Set<String> answered2xx = new HashSet<>();
        int resentAfter2xx = 0;
        int resentAfterFailure = 0;
        for (FaultyReceiver.Received r : receiver.received()) {
            if (!r.path().startsWith("/ws/inference-stats?")) {
                continue;
            }
            String ts = JSON.readTree(r.body()).get("timestamp").asText();
            if (seen.merge(ts, 1, Integer::sum) > 1) {
                if (answered2xx.contains(ts)) {
                    resentAfter2xx++;
                } else {
                    resentAfterFailure++;
                }
            }
            if (r.status() >= 200 && r.status() < 300) {
                answered2xx.add(ts);
            }
        }
        Set<String> waiting = waiting(storage);
        int lost = 0;
        for (String w : windows) {
            // delivered means answered 2xx: a body the receiver got and answered 3xx, 5xx or not at all reached no one
            if (!answered2xx.contains(w) && !waiting.contains(w)) {
                lost++;
            }
        }
        return new Row(fault, windows.size(), answered2xx.size(), lost - lostAtKill, resentAfter2xx, resentAfterFailure, waiting.size(),
                lostAtKill);
    }

    private static void awaitDrained(Path root, Path storage, FaultyReceiver receiver, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            List<String> w = windows(root);
            Set<String> got = new HashSet<>();
            for (FaultyReceiver.Received r : receiver.received()) {
                if (r.path().startsWith("/ws/inference-stats?") && r.status() >= 200 && r.status() < 300) {
                    got.add(JSON.readTree(r.body()).get("timestamp").asText());
                }
            }
            if (!w.isEmpty() && got.containsAll(w)) {
                return;
            }
            Thread.sleep(200);
        }
    }

    private static void awaitRunning(Path log, Process daemon) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && daemon.isAlive()) {
            if (Files.exists(log) && Files.readString(log).contains("edgewatch running")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the daemon did not start: " + (Files.exists(log) ? Files.readString(log) : "no log"));
    }

    private static void stop(Process p) throws Exception {
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    /** A fault for {@code seconds}, then a working receiver until every window is through, then a clean stop. */
    private Row run(Mode fault, int seconds) throws Exception {
        Path root = dir.resolve(fault.name().toLowerCase(Locale.ROOT));
        Path storage = root.resolve("var");
        try (FaultyReceiver receiver = new FaultyReceiver("ws")) {
            Path cfg = config(root, receiver.url(), storage);
            receiver.mode(fault);
            Process daemon = start(cfg, root);
            try {
                awaitRunning(root.resolve("daemon.log"), daemon);
                Thread.sleep(seconds * 1000L);
                receiver.mode(Mode.OK);
                awaitDrained(root, storage, receiver, 60);
                stop(daemon);
            } finally {
                daemon.destroyForcibly();
            }
            Row row = count(fault.name().toLowerCase(Locale.ROOT).replace('_', ' '), root, storage, receiver, 0);
            String log = Files.readString(root.resolve("daemon.log"));
            assertThat(log).as(fault + ": no stack trace, no key").doesNotContain("\tat ").doesNotContain(KEY);
            return row;
        }
    }

    private Row record(Row row) {
        TABLE.add(row.line());
        return row;
    }

    @Test
    void noAcceptedWindowIsLostAndNoneAnswered2xxIsSentAgainWhateverTheReceiverDoes() throws Exception {
        for (Mode fault : new Mode[] {Mode.REFUSED, Mode.RESET_BEFORE_STATUS, Mode.RESET_AFTER_STATUS, Mode.SILENT, Mode.HUGE_BODY,
                Mode.FLAKY, Mode.TOO_MANY, Mode.REDIRECT}) {
            Row row = record(run(fault, 6));
            assertThat(row.windows()).as(row.line()).isGreaterThanOrEqualTo(3);
            assertThat(row.lost()).as(row.line()).isZero();
            assertThat(row.resentAfter2xx()).as(row.line()).isZero();
            assertThat(row.waiting()).as(row.line() + ": drained before the stop").isZero();
        }
    }

    @Test
    void aDiskThatIsFullFor30SecondsLosesNothingAndNeedsNoRestart() throws Exception {
        Path root = dir.resolve("full-disk");
        try (FaultyReceiver receiver = new FaultyReceiver("ws"); SmallDisk disk = SmallDisk.mount(root.resolve("disk"), 4 << 20)) {
            Path storage = disk.path().resolve("var");
            Path cfg = config(root, receiver.url(), storage);
            receiver.mode(Mode.DOWN); // the uplink is down while the disk fills: everything must be kept
            Process daemon = start(cfg, root);
            try {
                // the disk fills once the daemon runs (its stores open on a disk with room), not at a fixed time
                awaitRunning(root.resolve("daemon.log"), daemon);
                Thread.sleep(2000);
                disk.fill();
                Thread.sleep(30_000);
                disk.free();
                receiver.mode(Mode.OK);
                awaitDrained(root, storage, receiver, 60);
                stop(daemon);
            } finally {
                daemon.destroyForcibly();
            }
            Row row = record(count("disk full for 30 s", root, storage, receiver, 0));
            String log = Files.readString(root.resolve("daemon.log"));
            assertThat(log).as(row.line()).contains("the disk refused a commit").contains("ALERT storage_full:outbox")
                    .contains("the disk takes commits again");
            assertThat(row.windows()).as(row.line()).isGreaterThanOrEqualTo(30);
            assertThat(row.lost()).as(row.line()).isZero();
            assertThat(row.resentAfter2xx()).as(row.line()).isZero();
        }
    }

    @Test
    void tenKillNinesInARowWhileTheReceiverFailsLoseNothingThatWasCommitted() throws Exception {
        Path root = dir.resolve("kill");
        Path storage = root.resolve("var");
        try (FaultyReceiver receiver = new FaultyReceiver("ws")) {
            Path cfg = config(root, receiver.url(), storage);
            receiver.mode(Mode.DOWN);
            int lostAtKill = 0;
            for (int i = 0; i < 10; i++) {
                int before = windows(root).size();
                Set<String> committedBefore = waiting(storage);
                Process daemon = start(cfg, root);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (windows(root).size() < before + 2 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                daemon.destroyForcibly(); // SIGKILL
                daemon.waitFor(30, TimeUnit.SECONDS);
                // a window written to JSONL but killed before its commit was in memory: counted apart
                List<String> now = windows(root);
                Set<String> committed = waiting(storage);
                for (String w : now.subList(before, now.size())) {
                    if (!committed.contains(w) && !committedBefore.contains(w)) {
                        lostAtKill++;
                    }
                }
            }
            receiver.mode(Mode.OK);
            Process last = start(cfg, root);
            try {
                awaitDrained(root, storage, receiver, 60);
                stop(last);
            } finally {
                last.destroyForcibly();
            }
            Row row = record(count("SIGKILL x10, receiver down", root, storage, receiver, lostAtKill));
            assertThat(row.lost()).as(row.line()).isZero();
        }
    }

    @AfterAll
    static void printTable() throws Exception {
        List<String> out = new ArrayList<>();
        out.add("| fault | windows (JSONL) | delivered (answered 2xx) | lost | sent again after a 2xx | sent again after a failure |"
                + " still waiting | lost at SIGKILL (open, in memory) |");
        out.add("|---|---|---|---|---|---|---|---|");
        out.addAll(TABLE);
        out.forEach(System.out::println);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "fault-table.md"), out);
    }
}
