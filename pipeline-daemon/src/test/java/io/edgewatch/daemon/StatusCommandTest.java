package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.testkit.DaemonProcess;

/**
 * {@code edgewatch status} against a running daemon (a child process, a token on its endpoint): a
 * camera that cannot connect makes it degraded (exit 1) and is shown with its state and error
 * beside the healthy one; a stopped daemon is unreachable (exit 3).
 */
class StatusCommandTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result status(Path cfg) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Edgewatch.execute(new PrintWriter(out, true), new PrintWriter(err, true), "status", "--config", cfg.toString());
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aDegradedDaemonExits1WithItsCamerasAndAStoppedOneExits3() throws Exception {
        int port = ConfigFolder.freePort();
        int closed = ConfigFolder.freePort();
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                health:
                  port: %d
                  token: status-test-token
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl"), port));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), ConfigFolder.PATTERN_CAMERA);
        Files.writeString(cfg.resolve("cameras/door.yaml"), """
                id: door
                source:
                  type: rtsp
                  url: rtsp://127.0.0.1:%d/stream1
                  timeout: 1s
                  reconnect: {min_delay: 200ms, max_delay: 1s}
                inference:
                  type: none
                """.formatted(closed));
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, dir.resolve("daemon.log"), Map.of());
        try {
            Result r = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                r = status(cfg);
                if (r.code() != StatusCommand.UNREACHABLE && r.out().matches("(?s).*pattern +ok +streaming +[0-9.]+ fps seen.*")) {
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(r.code()).as(r.out() + r.err()).isEqualTo(StatusCommand.DEGRADED);
            assertThat(r.out()).contains("edgewatch 0.1.0 at http://127.0.0.1:" + port + ": degraded")
                    .containsPattern("pattern +ok +streaming +[0-9.]+ fps seen")
                    .containsPattern("door +degraded +(reconnecting|connecting)")
                    .contains("last error:").contains("alerts:").contains("outbox: none");
        } finally {
            daemon.destroy();
            daemon.waitFor(60, TimeUnit.SECONDS);
            daemon.destroyForcibly();
        }
        Result gone = status(cfg);
        assertThat(gone.code()).isEqualTo(StatusCommand.UNREACHABLE);
        assertThat(gone.err()).contains("no answer from http://127.0.0.1:" + port);
    }
}
