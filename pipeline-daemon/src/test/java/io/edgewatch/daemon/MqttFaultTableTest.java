package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.Mosquitto;
import io.edgewatch.testkit.MqttSubscriber;

/**
 * The MQTT fault table: the daemon as a child process, four test-pattern cameras (a window a
 * second each) reporting to JSONL and to Debian's mosquitto (a child process too); a consumer
 * with a persistent session on the broker ({@code persistence true}, saved every second) keeps
 * what arrives. Per fault: windows made (JSONL), delivered (arrived at the consumer, by
 * {@code message_id}), lost (made, never arrived, not waiting in the outbox: must be 0),
 * duplicates (arrivals of a message id already there: allowed, at least once), order violations
 * (a camera's window arriving after a later one of the same camera: must be 0), and, for
 * SIGKILLs of the daemon, windows written to JSONL but killed before their commit (in memory,
 * counted apart). Printed at the end, and written to {@code target/mqtt-fault-table.md}.
 */
class MqttFaultTableTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TABLE = new ArrayList<>();
    private static final List<String> CAMERAS = List.of("cam-a", "cam-b", "cam-c", "cam-d");
    private static final String USER = "edgewatch";
    private static final String PASSWORD = "box-password-7";

    @TempDir
    Path dir;

    @BeforeAll
    static void installed() {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (scripts/install-test-deps)");
    }

    private record Row(String fault, int made, int delivered, int lost, int duplicates, int orderViolations, int waiting,
                       int lostAtKill) {
        String line() {
            return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %d |", fault, made, delivered, lost, duplicates,
                    orderViolations, waiting, lostAtKill);
        }
    }

    /** One fault's broker, consumer and daemon configuration. */
    private final class Bench implements AutoCloseable {
        final Path root;
        final Path storage;
        final Path cfg;
        final Path passwords;
        final Mosquitto broker;
        MqttSubscriber consumer;

        Bench(String name) throws Exception {
            root = dir.resolve(name);
            storage = root.resolve("var");
            passwords = Mosquitto.passwordFile(root.resolve("broker/passwd"), USER, PASSWORD, "watcher", "watcher-pw");
            broker = Mosquitto.in(root.resolve("broker"), "persistence true", "persistence_location " + root.resolve("broker") + "/",
                    "autosave_interval 1", "allow_anonymous false", "password_file " + passwords, "max_queued_messages 100000");
            cfg = root.resolve("config");
            Files.createDirectories(cfg.resolve("cameras"));
            Files.writeString(cfg.resolve("edgewatch.yaml"), """
                    device_id: edge-ft
                    storage:
                      path: %s
                    sinks:
                      jsonl:
                        path: %s
                    health:
                      port: 0
                    mqtt:
                      url: %s
                      client_id: edge-ft
                      username: %s
                      password: ${EDGEWATCH_MQTT_PASSWORD}
                      timeout: 2s
                      retry_max: 1s
                      probe_interval: 1s
                      keep_alive: 2s
                    """.formatted(storage, root.resolve("out/reports.jsonl"), broker.url(), USER));
            for (String cam : CAMERAS) {
                Files.writeString(cfg.resolve("cameras/" + cam + ".yaml"), ConfigFolder.PATTERN_CAMERA.replace("id: pattern", "id: " + cam));
            }
        }

        /** The broker up and the consumer's session on it, saved (so a kill of the broker keeps it). */
        void brokerAndConsumer() throws Exception {
            broker.start();
            consumer = MqttSubscriber.persistent("127.0.0.1", broker.port(), "edgewatch/edge-ft/+/window", "watcher", "watcher-pw",
                    "fault-table-consumer");
            Thread.sleep(1500);
        }

        Process daemon() throws Exception {
            return DaemonProcess.run(Edgewatch.class, cfg, root.resolve("daemon.log"), Map.of("EDGEWATCH_MQTT_PASSWORD", PASSWORD));
        }

        /** Each JSONL window, as camera and window end. */
        List<String> made() throws Exception {
            Path jsonl = root.resolve("out/reports.jsonl");
            List<String> out = new ArrayList<>();
            if (Files.exists(jsonl)) {
                for (String line : Files.readAllLines(jsonl)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode n = JSON.readTree(line);
                    out.add(n.get("camera_id").asText() + "@" + n.get("window_end").asText());
                }
            }
            return out;
        }

        /** Windows arrived at the consumer, by camera and window end (first arrivals). */
        Set<String> delivered() throws Exception {
            Set<String> out = new HashSet<>();
            for (MqttSubscriber.Received r : consumer.received) {
                JsonNode n = JSON.readTree(r.payload());
                out.add(n.get("camera_id").asText() + "@" + n.get("window_end").asText());
            }
            return out;
        }

        Set<String> waiting() throws Exception {
            Set<String> out = new HashSet<>();
            Path db = storage.resolve("outbox.db");
            if (!Files.exists(db)) {
                return out;
            }
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 ResultSet rs = c.createStatement().executeQuery("SELECT body FROM outbox WHERE destination = 'mqtt'")) {
                while (rs.next()) {
                    JsonNode n = JSON.readTree(rs.getBytes(1));
                    out.add(n.get("camera_id").asText() + "@" + n.get("window_end").asText());
                }
            }
            return out;
        }

        void awaitDrained(int seconds) throws Exception {
            awaitDrained(seconds, Set.of());
        }

        /** Until every window made has arrived, but {@code excused} (killed before their commit), and nothing waits. */
        void awaitDrained(int seconds, Set<String> excused) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                List<String> m = new ArrayList<>(made());
                m.removeAll(excused);
                if (!m.isEmpty() && delivered().containsAll(m) && waiting().isEmpty()) {
                    return;
                }
                Thread.sleep(200);
            }
        }

        Row count(String fault, int lostAtKill) throws Exception {
            List<String> made = made();
            Set<String> waiting = waiting();
            Set<String> ids = new HashSet<>();
            int duplicates = 0;
            int violations = 0;
            Map<String, String> latest = new HashMap<>();
            for (MqttSubscriber.Received r : consumer.received) {
                JsonNode n = JSON.readTree(r.payload());
                assertThat(r.messageId()).as("the message id as a user property").isEqualTo(n.get("message_id").asText());
                if (!ids.add(r.messageId())) {
                    duplicates++;
                    continue;
                }
                String cam = n.get("camera_id").asText();
                String end = n.get("window_end").asText();
                String before = latest.get(cam);
                if (before != null && java.time.Instant.parse(end).isBefore(java.time.Instant.parse(before))) {
                    violations++;
                } else {
                    latest.put(cam, end);
                }
            }
            Set<String> delivered = delivered();
            int lost = 0;
            for (String w : made) {
                if (!delivered.contains(w) && !waiting.contains(w)) {
                    lost++;
                }
            }
            return new Row(fault, made.size(), delivered.size(), lost - lostAtKill, duplicates, violations, waiting.size(), lostAtKill);
        }

        @Override
        public void close() throws Exception {
            if (consumer != null) {
                consumer.close();
            }
            broker.close();
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
        // the daemon takes SIGTERM over just after 'edgewatch running' is logged: one sent sooner ends the JVM with 143
        Thread.sleep(3000);
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    private static void check(Row row) {
        TABLE.add(row.line());
        assertThat(row.made()).as(row.line()).isGreaterThanOrEqualTo(4 * 5);
        assertThat(row.lost()).as(row.line()).isZero();
        assertThat(row.orderViolations()).as(row.line()).isZero();
    }

    /** Runs {@code fault} while the daemon runs (up after {@code before}), then waits for everything to arrive, then a clean stop. */
    private Row run(String name, Bench b, FaultAction fault) throws Exception {
        Process daemon = b.daemon();
        try {
            awaitRunning(b.root.resolve("daemon.log"), daemon);
            fault.run(b);
            b.awaitDrained(90);
            stop(daemon);
        } finally {
            daemon.destroyForcibly();
        }
        String log = Files.readString(b.root.resolve("daemon.log"));
        assertThat(log).as(name + ": no stack trace, no password").doesNotContain("\tat ").doesNotContain(PASSWORD);
        return b.count(name, 0);
    }

    @FunctionalInterface
    private interface FaultAction {
        void run(Bench b) throws Exception;
    }

    @Test
    void theBrokerKilledAndStartedAgainLosesNothing() throws Exception {
        try (Bench b = new Bench("broker-kill")) {
            b.brokerAndConsumer();
            check(run("broker SIGKILL, restarted after 5 s", b, x -> {
                Thread.sleep(4000);
                x.broker.kill();
                Thread.sleep(5000);
                x.broker.start();
                Thread.sleep(3000);
            }));
        }
    }

    @Test
    void aBrokerDownWhenTheDaemonStartsLosesNothing() throws Exception {
        try (Bench b = new Bench("down-at-start")) {
            b.brokerAndConsumer();
            b.broker.stop(); // SIGTERM: the consumer's session is saved
            check(run("broker down at the daemon's start, up after 8 s", b, x -> {
                Thread.sleep(8000);
                x.broker.start();
                Thread.sleep(2000);
            }));
        }
    }

    @Test
    void aFrozenBrokerPastTheTimeoutLosesNothingAndKeepsOrder() throws Exception {
        try (Bench b = new Bench("frozen")) {
            b.brokerAndConsumer();
            check(run("broker frozen (SIGSTOP) 8 s, timeout 2 s", b, x -> {
                Thread.sleep(3000);
                x.broker.freeze();
                Thread.sleep(8000);
                x.broker.thaw();
                Thread.sleep(2000);
            }));
        }
    }

    @Test
    void refusedCredentialsStopTheDestinationAndAFixedPasswordFileResumesIt() throws Exception {
        try (Bench b = new Bench("auth")) {
            Mosquitto.passwordFile(b.passwords, USER, "not-the-box-password", "watcher", "watcher-pw");
            b.brokerAndConsumer();
            check(run("auth refused 8 s, then fixed (password_file, SIGHUP)", b, x -> {
                Thread.sleep(8000);
                assertThat(Files.readString(x.root.resolve("daemon.log"))).contains("refused this client")
                        .contains("ALERT delivery_stopped:mqtt");
                Mosquitto.passwordFile(x.passwords, USER, PASSWORD, "watcher", "watcher-pw");
                x.broker.reload();
                Thread.sleep(3000);
            }));
        }
    }

    @Test
    void tenSigkillsOfTheDaemonLoseNothingThatWasCommitted() throws Exception {
        try (Bench b = new Bench("daemon-kill")) {
            b.brokerAndConsumer();
            Set<String> killedInMemory = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                int before = b.made().size();
                Set<String> known = new HashSet<>(b.waiting());
                known.addAll(b.delivered());
                Process daemon = b.daemon();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                while (b.made().size() < before + 8 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                daemon.destroyForcibly(); // SIGKILL
                daemon.waitFor(30, TimeUnit.SECONDS);
                List<String> now = b.made();
                Set<String> committed = b.waiting();
                Thread.sleep(300);
                committed.addAll(b.delivered());
                for (String w : now.subList(before, now.size())) {
                    if (!committed.contains(w) && !known.contains(w)) {
                        killedInMemory.add(w);
                    }
                }
            }
            Process last = b.daemon();
            try {
                awaitRunning(b.root.resolve("daemon.log"), last);
                b.awaitDrained(90, killedInMemory);
                stop(last);
            } finally {
                last.destroyForcibly();
            }
            // what waited at a kill and arrived later is not in memory: only the never-arrived count
            killedInMemory.removeAll(b.delivered());
            check(b.count("daemon SIGKILL x10", killedInMemory.size()));
            // each kill left the last will: the availability is offline until the next start says online
        }
    }

    @AfterAll
    static void printTable() throws Exception {
        List<String> out = new ArrayList<>();
        out.add("| fault (4 cameras, a window a second each) | windows made (JSONL) | delivered (by camera and window) | lost |"
                + " duplicates (by message_id) | order violations per camera | still waiting | lost at SIGKILL (in memory) |");
        out.add("|---|---|---|---|---|---|---|---|");
        out.addAll(TABLE);
        out.forEach(System.out::println);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "mqtt-fault-table.md"), out);
    }
}
