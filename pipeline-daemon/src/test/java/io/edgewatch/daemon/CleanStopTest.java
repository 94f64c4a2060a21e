package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.InferenceServerStandIn;
import io.edgewatch.testkit.RoboflowStandIn;
import io.edgewatch.testkit.RoboflowStandIn.Answer;

/**
 * The daemon as a child process, reporting to a Roboflow stand-in that answers every request
 * 200 but slowly: SIGHUP reloads and leaves it running; SIGTERM stops it with exit 0, no stack trace, and
 * nothing the stand-in answered 2xx left in the outbox (so nothing is sent twice after a restart);
 * a stop that hangs (a detector that never answers) still ends within its grace, the outbox closed.
 */
class CleanStopTest {

    private static final String KEY = "rf_clean_stop_key_77";

    @TempDir
    Path dir;

    private long outboxDepth() throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/outbox.db"));
             ResultSet rs = db.createStatement().executeQuery("SELECT COUNT(*) FROM outbox")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    private static void signal(Process p, String name) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor()).isZero();
    }

    @Test
    void aSigtermWhileTheDaemonStartsIsACleanStopOnceItIsUp() throws Exception {
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                health:
                  port: 0
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl")));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), ConfigFolder.PATTERN_CAMERA);
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of());
        try {
            // the daemon is being made (this line is logged from inside its start, before its cameras and endpoint)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(log) && Files.readString(log).contains("Roboflow reporting is off")) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            signal(daemon, "TERM");
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
            // before: exit 143, the JVM's default, with the outbox and health.db left half-opened (seen in a fault table)
            assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            daemon.destroyForcibly();
        }
        assertThat(Files.readString(log)).contains("SIGTERM received while starting").contains("edgewatch stopped");
    }

    @Test
    void sighupIsIgnoredAndSigtermLeavesNothingAnsweredInTheOutbox() throws Exception {
        RoboflowStandIn roboflow = new RoboflowStandIn("ws");
        // slow enough that a request is in flight when SIGTERM comes, quicker than the stop grace
        roboflow.answer(r -> new Answer(200, Map.of(), "{}", Duration.ofMillis(700)));
        Path cfg = dir.resolve("config");
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
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl"), roboflow.url()));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), ConfigFolder.PATTERN_CAMERA);
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of("ROBOFLOW_API_KEY", KEY));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (roboflow.to("/ws/inference-stats?").size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            signal(daemon, "HUP");
            assertThat(daemon.waitFor(3, TimeUnit.SECONDS)).as("SIGHUP must not stop the daemon").isFalse();
            // SIGHUP reloads: the configuration is unchanged, so nothing stops or starts
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(log).contains("reload (SIGHUP)") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            // this failed when the tests ran under nohup: the daemon inherited SIGHUP ignored, and the JVM leaves an
            // ignored signal so; DaemonProcess now starts it with the signals at their defaults, as systemd does
            assertThat(Files.readString(log)).contains("reload (SIGHUP): nothing changed; 1 camera(s) unchanged");
            int before = roboflow.requests.size();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (roboflow.requests.size() == before && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // a request is on its way now: stop in the middle of it
            signal(daemon, "TERM");
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.exitValue()).isZero();
        } finally {
            daemon.destroyForcibly();
            roboflow.close();
        }
        String text = Files.readString(log);
        assertThat(text).as("start to first frame is logged").containsPattern("camera pattern: first frame after \\d+ ms \\(160x120; \\d+ ms since the process started\\)");
        assertThat(text).as(text).doesNotContain("onErrorDropped").doesNotContain("RejectedExecutionException")
                .doesNotContain("\tat ").doesNotContain(KEY);
        List<String> windows = Files.readAllLines(dir.resolve("out/reports.jsonl"));
        long reports = roboflow.to("/ws/inference-stats?").size();
        // each window went out once, or is still waiting: none answered and kept
        assertThat(reports + outboxReports()).as(text).isEqualTo(windows.size());
        assertThat(roboflow.to("/ws/inference-stats?").stream().map(RoboflowStandIn.Request::body).distinct().count())
                .as("no report sent twice").isEqualTo(reports);
        assertThat(outboxDepth()).as("what waits was never answered: at most the last window and its metadata")
                .isLessThanOrEqualTo(2);
    }

    @Test
    void aSignalIgnoredSinceTheStartIsNamedInTheLogWithWhatStillWorks() throws Exception {
        // started under nohup, the daemon cannot take SIGHUP over (the JVM keeps an inherited SIG_IGN): kill -HUP
        // would do nothing, silently; the log says so at the start, and what reloads instead
        Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA);
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of(), List.of("HUP"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("SIGHUP is ignored") && daemon.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Files.readString(log)).contains("SIGHUP is ignored by this process: it started with SIGHUP ignored (nohup")
                    .contains("kill -HUP and systemctl reload will not reload it; POST /api/reload and edits of the camera files"
                            + " (watched) still do")
                    .doesNotContain("SIGTERM is ignored").doesNotContain("SIGINT is ignored");
            signal(daemon, "HUP");
            assertThat(daemon.waitFor(2, TimeUnit.SECONDS)).as("an ignored SIGHUP stops nothing").isFalse();
            assertThat(Files.readString(log)).doesNotContain("reload (SIGHUP)");
            signal(daemon, "TERM");
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.exitValue()).isZero();
        } finally {
            daemon.destroyForcibly();
        }
    }

    @Test
    void aStopThatHangsPastItsGraceStillClosesTheOutboxAndExitsZero() throws Exception {
        RoboflowStandIn roboflow = new RoboflowStandIn("ws");
        InferenceServerStandIn server = new InferenceServerStandIn();
        // the start-up probe is answered; frames never are (an answer ten minutes later, against a ten-minute timeout)
        server.answer(r -> "edgewatch-startup-check".equals(r.field("id"))
                ? InferenceServerStandIn.Answer.ok(InferenceServerStandIn.detections(r, "person", 0.9))
                : InferenceServerStandIn.Answer.ok(InferenceServerStandIn.detections(r, "person", 0.9)).after(Duration.ofMinutes(10)));
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                roboflow:
                  api_key: ${ROBOFLOW_API_KEY}
                  api_url: %s
                  workspace: ws
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl"), roboflow.url()));
        Files.writeString(cfg.resolve("cameras/hung.yaml"), """
                id: hung
                source:
                  type: test_pattern
                  size: 160x120
                  rate: 5
                inference:
                  type: roboflow
                  url: %s
                  api_key: %s
                  model_id: parts/2
                  timeout: 10m
                aggregation:
                  frequency: 1
                """.formatted(server.url(), KEY));
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of("ROBOFLOW_API_KEY", KEY));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (server.frames().isEmpty() && daemon.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(server.frames()).as(Files.readString(log)).isNotEmpty();
            // a frame is in inference, and stays there: the camera cannot close its window until it is answered
            signal(daemon, "TERM");
            // the 20 s grace, the sinks' own closing graces, and room for a busy box; systemd would kill at 90 s
            assertThat(daemon.waitFor(120, TimeUnit.SECONDS)).as("the daemon exited after SIGTERM").isTrue();
            assertThat(daemon.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            daemon.destroyForcibly();
            server.close();
            roboflow.close();
        }
        String text = Files.readString(log);
        assertThat(text).contains("not every camera finished within 20 s (still stopping: hung); closing anyway")
                .containsPattern("outbox .*outbox\\.db: \\d+ waiting")
                .contains("edgewatch stopped")
                .doesNotContain(KEY);
    }

    private long outboxReports() throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/outbox.db"));
             ResultSet rs = db.createStatement().executeQuery("SELECT COUNT(*) FROM outbox WHERE kind = 'report'")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
