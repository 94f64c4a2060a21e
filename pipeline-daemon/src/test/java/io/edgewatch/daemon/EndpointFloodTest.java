package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.management.UnixOperatingSystemMXBean;

import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.RoboflowStandIn;
import reactor.netty.http.client.HttpClient;

/**
 * The daemon's local endpoint under a flood, as a child process: 3,000 connections opened and
 * held (far over the cap of 64), one request with 20,000 headers, one client sending its request
 * a byte at a time. A client within the cap still gets {@code /healthz}, windows and Roboflow
 * deliveries keep flowing, everything refused is counted by reason and summed up rather than
 * logged per connection, and the daemon's file descriptors return to their baseline afterwards.
 */
class EndpointFloodTest {

    /** Connections the flood opens: 3,000, or what this JVM's file-descriptor limit leaves room for (it says so). */
    static final int FLOOD = flood();

    private static int flood() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long room = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount() - 300;
            if (room < 3000) {
                System.out.println("EndpointFloodTest: this JVM may open " + unix.getMaxFileDescriptorCount()
                        + " file descriptors; the flood is " + Math.max(500, room) + " connections instead of 3000");
                return (int) Math.max(500, room);
            }
        }
        return 3000;
    }

    @TempDir
    Path dir;

    @Test
    void aFloodOfConnectionsCostsTheCamerasAndDeliveriesNothing() throws Exception {
        RoboflowStandIn standIn = new RoboflowStandIn("ws");
        int port = ConfigFolder.freePort();
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
                  idle_timeout: 2s
                  read_timeout: 3s
                roboflow:
                  api_key: flood-test-key
                  api_url: %s
                  workspace: ws
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl"), port, standIn.url()));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), ConfigFolder.PATTERN_CAMERA);
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of());
        String base = "http://127.0.0.1:" + port;
        List<Socket> flood = new ArrayList<>();
        try {
            awaitHealthz(base, Duration.ofSeconds(60));
            Thread.sleep(2000);
            long fdsBefore = fds(daemon);
            long reportsBefore = lines(dir.resolve("out/reports.jsonl"));
            long deliveriesBefore = standIn.requests.size();
            long floodStarted = System.nanoTime();

            for (int i = 0; i < FLOOD; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                flood.add(s);
            }
            long fdsDuring = fds(daemon);
            // the flood's slots are freed by the idle timeout; then one request with 20,000 headers
            awaitHealthz(base, Duration.ofSeconds(20));
            String hugeAnswer = "";
            try (Socket huge = new Socket("127.0.0.1", port)) {
                huge.setSoTimeout(10_000);
                OutputStream out = huge.getOutputStream();
                StringBuilder request = new StringBuilder("GET /healthz HTTP/1.1\r\nHost: x\r\n");
                for (int i = 0; i < 20_000; i++) {
                    request.append("X-Flood-").append(i).append(": ").append(i).append("\r\n");
                }
                out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] answer = huge.getInputStream().readNBytes(12);
                hugeAnswer = new String(answer, StandardCharsets.US_ASCII);
            } catch (IOException closedByServer) {
                hugeAnswer = "closed: " + closedByServer.getMessage();
            }
            // and one client sending its request a byte at a time, slower than the read timeout
            try (Socket slow = new Socket("127.0.0.1", port)) {
                OutputStream dribble = slow.getOutputStream();
                for (byte b : "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII)) {
                    dribble.write(b);
                    dribble.flush();
                    Thread.sleep(150);
                }
            } catch (IOException closedByServer) {
                // closed by the read timeout while we were still writing: what it should do
            }

            // the flood is still held; a client within the cap gets its answer
            String healthz = awaitHealthz(base, Duration.ofSeconds(20));
            assertThat(healthz).contains("\"status\"");
            Thread.sleep(4000);
            // one window a second: all of them, give or take the one open at each end
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - floodStarted);
            assertThat(lines(dir.resolve("out/reports.jsonl")) - reportsBefore).as("windows written in the %d s of the flood", seconds)
                    .isGreaterThanOrEqualTo(seconds - 2);
            assertThat(standIn.requests.size() - deliveriesBefore).as("deliveries in the %d s of the flood", seconds)
                    .isGreaterThanOrEqualTo(seconds - 3);
            String metrics = get(base + "/metrics");
            // past the 64 slots each flood connection is refused over the cap, or, once the idle timeout frees a slot
            // while a busy box is still opening the flood (2,920 over the cap once), timed out in it
            assertThat(counter(metrics, "over_cap")).as("connections over the cap").isGreaterThanOrEqualTo(FLOOD / 2);
            assertThat(counter(metrics, "over_cap") + counter(metrics, "timed_out")).as("flood connections refused or timed out")
                    .isGreaterThanOrEqualTo(FLOOD - 64 - 10);
            assertThat(counter(metrics, "too_large_or_malformed")).as(hugeAnswer + "\n" + refusedLines(metrics)).isGreaterThanOrEqualTo(1);
            assertThat(counter(metrics, "timed_out")).as(refusedLines(metrics)).isGreaterThanOrEqualTo(1);

            for (Socket s : flood) {
                s.close();
            }
            flood.clear();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long fdsAfter = fds(daemon);
            while (fdsAfter > fdsBefore + 8 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                fdsAfter = fds(daemon);
            }
            assertThat(fdsAfter).as("file descriptors after the flood (before %d, during %d)", fdsBefore, fdsDuring)
                    .isLessThanOrEqualTo(fdsBefore + 8);
            assertThat(fdsDuring).as("file descriptors during the flood").isLessThan(fdsBefore + 64 + 200);
        } finally {
            for (Socket s : flood) {
                s.close();
            }
            daemon.destroy();
            daemon.waitFor(60, TimeUnit.SECONDS);
            daemon.destroyForcibly();
            standIn.close();
        }
        List<String> logLines = Files.readAllLines(log);
        long endpointLines = logLines.stream().filter(l -> l.contains("WARN") || l.contains("ERROR"))
                .filter(l -> l.contains("HealthServer") || l.contains("reactor") || l.contains("netty")).count();
        assertThat(endpointLines).as("endpoint WARN/ERROR lines for %d refused connections:%n%s", FLOOD,
                String.join("\n", logLines.subList(0, Math.min(40, logLines.size())))).isLessThanOrEqualTo(2);
        assertThat(String.join("\n", logLines)).doesNotContain("Too many open files").doesNotContain("X-Flood-");
    }

    private static final Pattern COUNTER = Pattern.compile("edgewatch_health_refused_total\\{reason=\"([a-z_]+)\",?\\} ([0-9.]+)");

    private static long counter(String metrics, String reason) {
        Matcher m = COUNTER.matcher(metrics);
        while (m.find()) {
            if (m.group(1).equals(reason)) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no edgewatch_health_refused_total{reason=\"" + reason + "\"} in\n" + metrics);
    }

    private static String refusedLines(String metrics) {
        return String.join("\n", metrics.lines().filter(l -> l.startsWith("edgewatch_health_refused_total")).toList());
    }

    private static long fds(Process p) throws Exception {
        try (var list = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
            return list.count();
        }
    }

    private static long lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    private static String get(String url) {
        return HttpClient.create().get().uri(url).responseSingle((res, body) -> body.asString()).block(Duration.ofSeconds(10));
    }

    /** {@code /healthz}, asked again on a new connection until it answers. */
    private static String awaitHealthz(String base, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                String body = HttpClient.newConnection().responseTimeout(Duration.ofSeconds(2)).get().uri(base + "/healthz")
                        .responseSingle((res, b) -> b.asString()).block(Duration.ofSeconds(3));
                if (body != null) {
                    return body;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no answer from " + base + "/healthz within " + within, last);
    }
}
