package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
import io.edgewatch.testkit.RoboflowStandIn;
import io.edgewatch.testkit.RoboflowStandIn.Answer;

/**
 * The daemon as a child process, reporting to a Roboflow stand-in that answers every request
 * 200 but slowly: SIGHUP reloads and leaves it running; SIGTERM stops it with exit 0, no stack trace, and
 * nothing the stand-in answered 2xx left in the outbox (so nothing is sent twice after a restart).
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

    private static String threadDump(Process p) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(p.pid()),
                "Thread.print").redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static void signal(Process p, String name) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor()).isZero();
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
            // seen once in a full run (no reload line 13 s after the signal, the daemon alive; it passed when run again):
            // the daemon's threads then go into the failure, to show where a reload waits
            String threads = Files.readString(log).contains("reload (SIGHUP)") ? "" : threadDump(daemon);
            assertThat(Files.readString(log)).as("the daemon's threads:%n%s", threads)
                    .contains("reload (SIGHUP): nothing changed; 1 camera(s) unchanged");
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

    private long outboxReports() throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/outbox.db"));
             ResultSet rs = db.createStatement().executeQuery("SELECT COUNT(*) FROM outbox WHERE kind = 'report'")) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }
}
