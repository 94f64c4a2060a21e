package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.RoboflowStandIn;


/**
 * The daemon as a child process, reporting to a Roboflow stand-in that is down, killed with
 * SIGKILL, and restarted once the stand-in is back: every report it had accepted arrives.
 */
class RoboflowCrashTest {

    private static final String KEY = "rf_crash_test_key_42";

    @TempDir
    Path dir;

    private Process daemon(Path cfg, boolean cameraOn) throws Exception {
        return DaemonProcess.run(Edgewatch.class, cfg, dir.resolve("daemon.log"),
                Map.of("ROBOFLOW_API_KEY", KEY, "CAMERA_ON", Boolean.toString(cameraOn)));
    }

    private List<String> accepted() throws Exception {
        List<String> bodies = new ArrayList<>();
        if (!Files.exists(dir.resolve("var/outbox.db"))) {
            return bodies;
        }
        // the daemon creates the file before its tables: until the table is there, nothing is accepted
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/outbox.db"))) {
            try (ResultSet t = db.createStatement().executeQuery(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'")) {
                if (!t.next()) {
                    return bodies;
                }
            }
            try (ResultSet rs = db.createStatement().executeQuery("SELECT body FROM outbox WHERE kind = 'report' ORDER BY id")) {
                while (rs.next()) {
                    bodies.add(new String(rs.getBytes(1), StandardCharsets.UTF_8));
                }
            }
        }
        return bodies;
    }

    @Test
    void everyAcceptedReportArrivesAfterAKillNineAndARestart() throws Exception {
        RoboflowStandIn roboflow = new RoboflowStandIn("ws");
        roboflow.stop();
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                roboflow:
                  api_key: ${ROBOFLOW_API_KEY}
                  api_url: %s
                  workspace: ws
                  retry_max: 1s
                """.formatted(dir.resolve("var"), roboflow.url()));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), """
                id: pattern
                enabled: ${CAMERA_ON}
                source:
                  type: test_pattern
                  size: 160x120
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                metadata:
                  site: lab
                """);
        Process first = daemon(cfg, true);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (accepted().size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        } finally {
            first.destroyForcibly(); // SIGKILL
            first.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> accepted = accepted();
        assertThat(accepted).hasSizeGreaterThanOrEqualTo(4);
        assertThat(roboflow.requests).isEmpty();

        roboflow.start();
        Process second = daemon(cfg, false);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (accepted().size() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(accepted()).as(Files.readString(dir.resolve("daemon.log"))).isEmpty();
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
            roboflow.close();
        }
        List<String> delivered = roboflow.to("/ws/inference-stats?").stream().map(RoboflowStandIn.Request::body).toList();
        // at least once, in order: every accepted report arrived, the first time in the order accepted
        assertThat(delivered).containsAll(accepted);
        assertThat(delivered.stream().distinct().filter(accepted::contains).toList()).containsExactlyElementsOf(accepted);
        assertThat(roboflow.to("/ws/inference-stats/metadata?")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.uri()).isEqualTo("/ws/inference-stats/metadata?api_key=" + KEY + "&nocache=true"));
        assertThat(Files.readString(dir.resolve("daemon.log"))).doesNotContain(KEY).contains("entries waiting from before the restart");
    }
}
