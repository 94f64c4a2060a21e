package io.edgewatch.source;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real RTSP server for tests: GStreamer's gst-rtsp-server ({@code scripts/rtsp-test-server.py},
 * run with Debian's {@code /usr/bin/python3}) serving a live MJPEG test pattern on 127.0.0.1.
 * {@code scripts/install-test-deps} installs what it needs. Stop and start it again on the same
 * port to play a camera that reboots.
 */
public final class RtspServer implements AutoCloseable {

    private final int port;
    private Process process;

    public RtspServer() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    /** {@code scripts/rtsp-test-server.py} of the repository; tests run in a module folder. */
    static Path script() {
        for (Path p : new Path[] {Path.of("scripts", "rtsp-test-server.py"), Path.of("..", "scripts", "rtsp-test-server.py")}) {
            if (java.nio.file.Files.isReadable(p)) {
                return p.toAbsolutePath();
            }
        }
        throw new IllegalStateException("scripts/rtsp-test-server.py not found from " + Path.of("").toAbsolutePath());
    }

    public String url() {
        return "rtsp://127.0.0.1:" + port + "/test";
    }

    public int port() {
        return port;
    }

    public synchronized RtspServer start() throws Exception {
        Path script = script();
        process = new ProcessBuilder("/usr/bin/python3", script.toString(), Integer.toString(port), "320x240", "25")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.equals("ready")) {
                        return "ready";
                    }
                    seen.append(line).append('\n');
                }
            } catch (Exception e) {
                seen.append(e);
            }
            return seen.toString();
        });
        String answer = ready.get(30, TimeUnit.SECONDS);
        if (!answer.equals("ready")) {
            throw new IllegalStateException("the RTSP test server did not start (run scripts/install-test-deps): " + answer);
        }
        // keep draining its output so it never blocks on a full pipe
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (Exception ignored) {
                // ended
            }
        }, "rtsp-server-output");
        drain.setDaemon(true);
        drain.start();
        return this;
    }

    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
