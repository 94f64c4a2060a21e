package io.edgewatch.daemon.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.sink.ReportSink;
import reactor.core.publisher.Mono;

/** What the benchmark harnesses share. */
final class BenchSupport {

    private BenchSupport() {
    }

    /** A sink that hands each report to {@code onReport} and keeps nothing. */
    static ReportSink sink(Consumer<WindowReport> onReport) {
        return new ReportSink() {
            @Override
            public String name() {
                return "bench";
            }

            @Override
            public Mono<Void> write(WindowReport report) {
                return Mono.fromRunnable(() -> onReport.accept(report));
            }

            @Override
            public void close() {
            }
        };
    }

    /** Starts {@code scripts/rtsp-test-server.py} on 127.0.0.1:{@code port} and waits until it listens. */
    static Process rtspServer(String script, int port, String size) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", script, Integer.toString(port), size, "25")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"ready".equals(line)) {
            p.destroyForcibly();
            throw new IllegalStateException("the RTSP test server did not start (run scripts/install-test-deps): " + line);
        }
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard: a full pipe would stall the server
                }
            } catch (Exception ignored) {
                // ended
            }
        }, "rtsp-server-output");
        drain.setDaemon(true);
        drain.start();
        return p;
    }
}
