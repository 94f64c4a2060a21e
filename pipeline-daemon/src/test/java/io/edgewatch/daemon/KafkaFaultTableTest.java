package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.sink.kafka.KafkaTransport;
import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.KafkaBroker;

/**
 * The Kafka fault table: the daemon as a child process with two test-pattern cameras (a window a second each)
 * reporting to JSONL and to a real single-node Kafka broker (a child process too), one fault per row, then a broker
 * that works until everything is through, then a clean stop. Per row: windows made (JSONL), delivered (distinct
 * message ids of windows on the topic), lost (made and neither on the topic nor waiting in the outbox), duplicates (records
 * whose message id came before), order violations (a camera's window, at its first copy, ending before one already
 * read of that camera; the topic is read partition by partition in offset order). Printed, and written to
 * {@code target/kafka-fault-table.md}.
 */
class KafkaFaultTableTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "edgewatch.windows";
    private static final String USER = "edgewatch";
    private static final String PASSWORD = "kafka-fault-pw-7";
    private static final List<String> TABLE = new ArrayList<>();

    @TempDir
    Path dir;

    private record Row(String fault, int made, int delivered, int lost, int duplicates, int orderViolations, int lostAtKill) {
        String line() {
            return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d |", fault, made, delivered, lost, duplicates,
                    orderViolations, lostAtKill);
        }
    }

    private Path config(Path root, String bootstrap, boolean sasl) throws Exception {
        Path cfg = root.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        String security = sasl ? """
                  security:
                    protocol: SASL_PLAINTEXT
                    mechanism: SCRAM-SHA-512
                    username: %s
                    password: ${KAFKA_PASSWORD}
                """.formatted(USER) : "";
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                device_id: fault-box
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                health:
                  port: 0
                kafka:
                  bootstrap_servers: %s
                  topic: %s
                  timeout: 3s
                  retry_max: 1s
                  probe_interval: 1s
                %s  properties:
                    delivery.timeout.ms: 6000
                    request.timeout.ms: 2000
                    max.block.ms: 2000
                    reconnect.backoff.max.ms: 500
                """.formatted(root.resolve("var"), root.resolve("out/reports.jsonl"), bootstrap, TOPIC, security));
        for (String id : List.of("cam-a", "cam-b")) {
            Files.writeString(cfg.resolve("cameras/" + id + ".yaml"), """
                    id: %s
                    source:
                      type: test_pattern
                      size: 160x120
                      rate: 10
                    inference:
                      type: motion
                    aggregation:
                      frequency: 1
                    """.formatted(id));
        }
        return cfg;
    }

    /** The shaded jar when it is there and newer than every main source of the product's modules (as shipped), else null. */
    private static Path jar() {
        Path jar = Path.of("target", "edgewatch.jar");
        if (!Files.exists(jar)) {
            return null;
        }
        try (var sources = Files.walk(Path.of(".."), 14)) {
            java.nio.file.attribute.FileTime built = Files.getLastModifiedTime(jar);
            boolean stale = sources.filter(p -> p.toString().contains("/src/main/") && !p.toString().contains("pipeline-bench")
                    && !p.toString().contains("pipeline-testkit") && Files.isRegularFile(p)).anyMatch(p -> {
                try {
                    return Files.getLastModifiedTime(p).compareTo(built) > 0;
                } catch (java.io.IOException e) {
                    return true;
                }
            });
            return stale ? null : jar.toAbsolutePath();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private Process start(Path cfg, Path root, boolean fromJar) throws Exception {
        return start(cfg, root, fromJar, root.resolve("daemon.log"));
    }

    private Process start(Path cfg, Path root, boolean fromJar, Path log) throws Exception {
        Map<String, String> env = Map.of("KAFKA_PASSWORD", PASSWORD);
        if (fromJar && jar() != null) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder("env", "--default-signal=HUP,INT,TERM", java, "-jar", jar().toString(), "run",
                    "--config", cfg.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            return pb.start();
        }
        return DaemonProcess.run(Edgewatch.class, cfg, log, env);
    }

    private record Window(String camera, Instant end) {
    }

    private static Window window(JsonNode n) {
        return new Window(n.get("camera_id").asText(), Instant.parse(n.get("window_end").asText()));
    }

    private static List<Window> made(Path root) throws Exception {
        Path jsonl = root.resolve("out/reports.jsonl");
        List<Window> out = new ArrayList<>();
        if (Files.exists(jsonl)) {
            for (String line : Files.readAllLines(jsonl)) {
                if (!line.isBlank()) {
                    out.add(window(JSON.readTree(line)));
                }
            }
        }
        return out;
    }

    private static Set<Window> waiting(Path root) throws Exception {
        Set<Window> out = new HashSet<>();
        Path db = root.resolve("var/outbox.db");
        if (!Files.exists(db)) {
            return out;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT body FROM outbox WHERE destination = 'kafka' AND kind = 'window'")) {
            while (rs.next()) {
                out.add(window(JSON.readTree(rs.getBytes(1))));
            }
        }
        return out;
    }

    private static int waitingCount(Path root) throws Exception {
        Path db = root.resolve("var/outbox.db");
        if (!Files.exists(db)) {
            return -1;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM outbox WHERE destination = 'kafka'")) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }

    private static Set<Window> delivered(KafkaBroker broker) throws Exception {
        Set<Window> out = new HashSet<>();
        for (KafkaBroker.Message m : broker.read(TOPIC)) {
            JsonNode n = JSON.readTree(m.value());
            if ("window".equals(n.path("kind").asText())) {
                out.add(window(n));
            }
        }
        return out;
    }

    private static Row count(String fault, Path root, KafkaBroker broker, int lostAtKill) throws Exception {
        List<Window> made = made(root);
        Set<String> ids = new HashSet<>();
        Set<Window> delivered = new HashSet<>();
        Map<String, Instant> last = new HashMap<>();
        int duplicates = 0;
        int order = 0;
        for (KafkaBroker.Message m : broker.read(TOPIC)) {
            JsonNode n = JSON.readTree(m.value());
            if (!"window".equals(n.path("kind").asText())) {
                continue;
            }
            String id = m.headers().get(KafkaTransport.ID_HEADER);
            assertThat(id).as("header = body's message_id").isEqualTo(n.get("message_id").asText());
            assertThat(m.key()).as("key = camera").isEqualTo(n.get("camera_id").asText());
            if (!ids.add(id)) {
                duplicates++;
                continue;
            }
            Window w = window(n);
            delivered.add(w);
            Instant before = last.put(w.camera(), w.end());
            if (before != null && w.end().isBefore(before)) {
                order++;
            }
        }
        Set<Window> waiting = waiting(root);
        int lost = 0;
        for (Window w : made) {
            if (!delivered.contains(w) && !waiting.contains(w)) {
                lost++;
            }
        }
        return new Row(fault, made.size(), delivered.size(), lost - lostAtKill, duplicates, order, lostAtKill);
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

    private static void awaitDrained(Path root, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (waitingCount(root) == 0) {
                return;
            }
            Thread.sleep(250);
        }
    }

    private static void stop(Process p) throws Exception {
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    /** What a row does to the broker while the daemon runs. */
    @FunctionalInterface
    private interface Fault {
        void apply(KafkaBroker broker, Path root) throws Exception;
    }

    /** The daemon runs 5 s, then {@code fault}, then until everything is through (60 s at most), then stops cleanly. */
    private Row run(String name, KafkaBroker broker, boolean startBroker, boolean sasl, Fault fault) throws Exception {
        Path root = dir.resolve(name.replaceAll("[^A-Za-z0-9]+", "-"));
        try (broker) {
            if (startBroker) {
                broker.start();
            }
            Path cfg = config(root, sasl ? broker.saslBootstrap() : broker.bootstrap(), sasl);
            Process daemon = start(cfg, root, false);
            try {
                awaitRunning(root.resolve("daemon.log"), daemon);
                Thread.sleep(5000);
                fault.apply(broker, root);
                Thread.sleep(3000);
                awaitDrained(root, 60);
                stop(daemon);
            } finally {
                daemon.destroyForcibly();
            }
            Row row = count(name, root, broker, 0);
            String log = Files.readString(root.resolve("daemon.log"));
            assertThat(log).as(name + ": no password in the log").doesNotContain(PASSWORD);
            return row;
        }
    }

    private static Row record(Row row) {
        TABLE.add(row.line());
        System.out.println(row.line());
        return row;
    }

    private static void check(Row row) {
        assertThat(row.made()).as(row.line()).isGreaterThanOrEqualTo(10);
        assertThat(row.lost()).as(row.line()).isZero();
        assertThat(row.orderViolations()).as(row.line()).isZero();
        assertThat(row.delivered()).as(row.line()).isEqualTo(row.made() - row.lostAtKill());
    }

    @Test
    void brokerFaultsLoseNothingAndKeepEachCamerasOrder() throws Exception {
        check(record(run("broker SIGKILL, restarted 8 s later", KafkaBroker.plain(dir.resolve("b1"), 2), true, false, (b, r) -> {
            b.kill();
            Thread.sleep(8000);
            b.start();
        })));
        check(record(run("broker down at the daemon's start (12 s)", KafkaBroker.plain(dir.resolve("b2"), 2), false, false,
                (b, r) -> {
                    Thread.sleep(7000);
                    b.start();
                })));
        check(record(run("slow broker (SIGSTOP 12 s)", KafkaBroker.plain(dir.resolve("b3"), 2), true, false, (b, r) -> {
            b.pause();
            Thread.sleep(12_000);
            b.resume();
        })));
        check(record(run("broker stopped 15 s, past delivery.timeout.ms (6 s)", KafkaBroker.plain(dir.resolve("b4"), 2), true,
                false, (b, r) -> {
                    b.stop();
                    Thread.sleep(15_000);
                    b.start();
                })));
        check(record(run("SASL refused, then the password fixed on the broker", KafkaBroker.sasl(dir.resolve("b5"), 2, USER,
                "not-" + PASSWORD), true, true, (b, r) -> {
                    Thread.sleep(3000);
                    assertThat(Files.readString(r.resolve("daemon.log"))).contains("ALERT delivery_stopped:kafka");
                    b.setScramPassword(USER, PASSWORD);
                })));
        check(record(run("unknown topic, auto-create off, made 8 s later", KafkaBroker.noAutoCreate(dir.resolve("b6"), 2), true,
                false, (b, r) -> {
                    Thread.sleep(3000);
                    assertThat(Files.readString(r.resolve("daemon.log"))).contains("has no topic " + TOPIC);
                    b.createTopic(TOPIC, 2);
                })));
    }

    @Test
    void fiveKillNinesOfTheDaemonLoseNothingThatWasCommitted() throws Exception {
        Path root = dir.resolve("kill");
        boolean fromJar = jar() != null;
        try (KafkaBroker broker = KafkaBroker.plain(dir.resolve("b7"), 2).start()) {
            Path cfg = config(root, broker.bootstrap(), false);
            int lostAtKill = 0;
            for (int i = 0; i < 5; i++) {
                int before = made(root).size();
                Set<Window> committedBefore = new HashSet<>(waiting(root));
                committedBefore.addAll(delivered(broker));
                Process daemon = start(cfg, root, true);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (made(root).size() < before + 6 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                daemon.destroyForcibly(); // SIGKILL
                daemon.waitFor(30, TimeUnit.SECONDS);
                // a window written to JSONL but killed before its commit to the outbox was in memory: counted apart
                List<Window> now = made(root);
                Set<Window> committed = waiting(root);
                committed.addAll(delivered(broker));
                for (Window w : now.subList(before, now.size())) {
                    if (!committed.contains(w) && !committedBefore.contains(w)) {
                        lostAtKill++;
                    }
                }
            }
            // a log of its own: the killed ones' say "edgewatch running" already
            Process last = start(cfg, root, true, root.resolve("daemon-last.log"));
            try {
                awaitRunning(root.resolve("daemon-last.log"), last);
                Thread.sleep(3000);
                awaitDrained(root, 60);
                stop(last);
            } finally {
                last.destroyForcibly();
            }
            Row row = record(count("daemon SIGKILL x5, broker up (" + (fromJar ? "edgewatch.jar" : "test class path") + ")",
                    root, broker, lostAtKill));
            assertThat(row.lost()).as(row.line()).isZero();
            assertThat(row.orderViolations()).as(row.line()).isZero();
        }
    }

    @AfterAll
    static void printTable() throws Exception {
        List<String> out = new ArrayList<>();
        out.add("| fault | windows made (JSONL) | delivered (distinct message ids) | lost | duplicates (by message id) |"
                + " order violations (per camera) | not committed at a SIGKILL (in memory) |");
        out.add("|---|---|---|---|---|---|---|");
        out.addAll(TABLE);
        out.forEach(System.out::println);
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "kafka-fault-table.md"), out);
    }
}
