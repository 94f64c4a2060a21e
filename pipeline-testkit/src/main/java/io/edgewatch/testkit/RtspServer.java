package io.edgewatch.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real RTSP server for tests and benchmarks: GStreamer's gst-rtsp-server
 * ({@code scripts/rtsp-test-server.py}, run with Debian's {@code /usr/bin/python3}) serving a live
 * MJPEG test pattern at 25 fps on 127.0.0.1, on a free port chosen at construction.
 * {@code scripts/install-test-deps} installs what it needs. Stop and start it again on the same
 * port to play a camera that reboots.
 */
public final class RtspServer implements AutoCloseable {

    private final Path script;
    private final String size;
    private final int port;
    private Process process;

    /** A 320x240 pattern, the script found from the working directory (a module folder or the repository). */
    public RtspServer() throws IOException {
        this(script(), "320x240");
    }

    /** A {@code size} (such as {@code 640x480}) pattern served by {@code script}. */
    public RtspServer(Path script, String size) throws IOException {
        this.script = script.toAbsolutePath();
        this.size = size;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    /** {@code scripts/rtsp-test-server.py} of the repository; tests run in a module folder. */
    public static Path script() {
        for (Path p : new Path[] {Path.of("scripts", "rtsp-test-server.py"), Path.of("..", "scripts", "rtsp-test-server.py")}) {
            if (Files.isReadable(p)) {
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

    /** Starts the server and waits (up to 30 s) until it listens. */
    public synchronized RtspServer start() throws Exception {
        process = new ProcessBuilder("/usr/bin/python3", script.toString(), Integer.toString(port), size, "25")
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
            } catch (IOException e) {
                seen.append(e);
            }
            return seen.toString();
        });
        String answer = ready.get(30, TimeUnit.SECONDS);
        if (!answer.equals("ready")) {
            stop();
            throw new IllegalStateException("the RTSP test server did not start (run scripts/install-test-deps): " + answer);
        }
        // keep draining its output so it never blocks on a full pipe
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
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
