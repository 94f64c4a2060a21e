package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.source.SourceStatus;

/**
 * Security review finding 1: a history or inference-statistics read costs memory bounded by its
 * answer, not by the stored range or the number of cameras. Three cameras and a week of 5 s
 * windows each (362,880 rows, written straight into {@code health.db} in one transaction, as a
 * store that could not roll up would hold them) are read back in a child JVM with the package's
 * 192 MB heap that exits on {@code OutOfMemoryError}: a week of one camera's history and a week
 * of every camera's statistics. It must answer, with every window counted.
 */
class HistoryMemoryTest {

    static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    static final int CAMERAS = 3;
    static final Duration RANGE = Duration.ofDays(7);
    static final long PERIOD_S = 5;
    static final long SEEN = 25;
    static final long PEOPLE = 2;
    /** Windows per camera in the range: end times NOW - RANGE ... NOW - 5 s (ends in [from, to)). */
    static final long WINDOWS = RANGE.toSeconds() / PERIOD_S;

    @TempDir
    Path dir;

    @Test
    void aWeekOfThreeCamerasIsReadWithinThePackagesHeap() throws Exception {
        HealthStore.open(dir, Duration.ofDays(400)).close(); // the schema, as the daemon makes it
        writeWindows(dir.resolve("health.db"));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("probe.out");
        Process p = new ProcessBuilder(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Dlogback.configurationFile=" + writeQuietLogback(), "-cp", System.getProperty("java.class.path"),
                Probe.class.getName(), dir.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(3, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(ended).as("the probe ended within 3 minutes: " + output).isTrue();
        assertThat(p.exitValue()).as("the probe's exit status (3: OutOfMemoryError): " + output).isZero();
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("probe ")) {
                lines.add(line.trim());
            }
        }
        assertThat(lines).containsExactly(
                "probe history points=" + History.MAX_POINTS + " seen=" + WINDOWS * SEEN + " people=" + WINDOWS * PEOPLE,
                "probe stats inferences=" + CAMERAS * WINDOWS * SEEN + " person=" + CAMERAS * WINDOWS * PEOPLE
                        + " prev_inferences=0");
    }

    private Path writeQuietLogback() throws IOException {
        Path f = dir.resolve("logback-quiet.xml");
        Files.writeString(f, "<configuration><appender name=\"o\" class=\"ch.qos.logback.core.ConsoleAppender\">"
                + "<encoder><pattern>%level %msg%n</pattern></encoder></appender>"
                + "<root level=\"WARN\"><appender-ref ref=\"o\"/></root></configuration>");
        return f;
    }

    /** Every camera's week of windows, 1 class with 30 confidence bins each (a realistic row), in one transaction. */
    static void writeWindows(Path db) throws SQLException {
        StringBuilder bins = new StringBuilder();
        for (int i = 50; i < 80; i++) {
            bins.append(i == 50 ? "" : ",").append('"').append(i).append("\":").append(i == 70 ? PEOPLE - 1 : i == 71 ? 1 : 0);
        }
        String classes = "[{\"name\":\"person\",\"count\":" + PEOPLE + ",\"frames\":" + PEOPLE + ",\"confidenceSum\":1.41,"
                + "\"callMillis\":40.0,\"min\":0.70,\"max\":0.71,\"bins\":{" + bins + "}}]";
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.setAutoCommit(false);
            try (PreparedStatement u = c.prepareStatement("INSERT INTO windows (camera, model, start_ms, end_ms, seen, inferred, "
                    + "empty, empty_call_ms, errors, call_ms, inference_p95_ms, version, classes, rolled) "
                    + "VALUES (?, 'm/1', ?, ?, ?, ?, 0, 0, 0, ?, 30, 'test', ?, 0)")) {
                long first = NOW.minus(RANGE).getEpochSecond();
                for (int cam = 0; cam < CAMERAS; cam++) {
                    for (long i = 0; i < WINDOWS; i++) {
                        long end = (first + i * PERIOD_S) * 1000;
                        u.setString(1, "cam" + cam);
                        u.setLong(2, end - PERIOD_S * 1000);
                        u.setLong(3, end);
                        u.setLong(4, SEEN);
                        u.setLong(5, SEEN);
                        u.setDouble(6, SEEN * 20.0);
                        u.setString(7, classes);
                        u.addBatch();
                        if (i % 10_000 == 0) {
                            u.executeBatch();
                        }
                    }
                    u.executeBatch();
                }
            }
            c.commit();
        }
    }

    /** The child: the store opened as the daemon opens it, the two reads the page and Roboflow's client make. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            try (HealthStore store = HealthStore.open(dir, Duration.ofDays(400));
                 Health health = new Health(Clock.fixed(NOW, ZoneOffset.UTC), store)) {
                for (int cam = 0; cam < CAMERAS; cam++) {
                    health.camera("cam" + cam, "m/1", Duration.ofSeconds(PERIOD_S), SourceProbe.of(true,
                            () -> new SourceStatus(SourceStatus.State.STREAMING, NOW, 0, null)), null);
                }
                ObjectNode h = health.history("cam0", NOW.minus(RANGE), NOW, 1).orElseThrow();
                long people = 0;
                int points = 0;
                for (JsonNode point : h.get("points")) {
                    if (!point.path("seen").isNull()) {
                        points++;
                    }
                    people += point.path("classes").path("person").path("count").asLong();
                }
                System.out.println("probe history points=" + points + " seen=" + h.get("totals").get("seen").asLong()
                        + " people=" + people);
                String start = InferenceStats.TIME.format(NOW.minus(RANGE).atZone(ZoneOffset.UTC));
                ObjectNode s = health.inferenceStats("any", start, null, null).block(Duration.ofMinutes(2));
                long person = 0;
                for (JsonNode row : s.get("inference_stats")) {
                    if (row.get("predicted_class").asText().equals("person")) {
                        person += row.get("class_count").asLong();
                    }
                }
                System.out.println("probe stats inferences=" + s.get("num_inferences").asLong() + " person=" + person
                        + " prev_inferences=" + s.get("prev_num_inferences").asLong());
            }
            System.exit(0);
        }
    }
}
