package io.edgewatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxSender;
import io.edgewatch.sink.roboflow.RoboflowBodies;
import io.edgewatch.sink.roboflow.RoboflowClient;
import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.edgewatch.sink.roboflow.SystemInfo;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The durable outbox against plain loops, in one run: reports committed per second (outbox vs a
 * plain JDBC loop writing the same rows with the same durability), reports delivered per second to
 * a loopback stand-in (outbox sender vs a plain loop sending the same requests one after another
 * with the same client), and how long a backlog of 10,000 reports takes to drain. Commits are
 * measured with one camera appending and with eight appending at once (group commit); deliveries
 * and the backlog with eight cameras' reports interleaved (several in flight, one per camera).
 * Usage: {@code OutboxBenchmark [reports]}.
 */
public final class OutboxBenchmark {

    private OutboxBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Path work = Files.createTempDirectory("edgewatch-outbox-bench");
        AtomicLong received = new AtomicLong();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().then(Mono.defer(() -> {
                    received.incrementAndGet();
                    return res.header("Content-Type", "application/json").sendString(Mono.just("{\"status\":\"ok\"}")).then();
                })))
                .bindNow();
        RoboflowOptions options = RoboflowOptions.of("bench_key_0123456789", "http://127.0.0.1:" + server.port(), "ws", "bench")
                .withRetry(Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(1));
        byte[] body = new RoboflowBodies(options, SystemInfo.read(), ZoneId.systemDefault()).report(report());
        System.out.printf(Locale.ROOT, "edgewatch outbox benchmark: %d reports of %d bytes, SQLite WAL synchronous=FULL%n", n, body.length);

        // 1. commits
        int cameras = 8;
        double plainCommits = rate(n, () -> plainInserts(work.resolve("plain.db"), body, n));
        double serialCommits;
        try (Outbox outbox = Outbox.open(work.resolve("commit-1"), 1_000_000, Clock.systemUTC())) {
            serialCommits = rate(n, () -> {
                for (int i = 0; i < n; i++) {
                    outbox.append("roboflow", "cam", "report", body);
                }
            });
        }
        double groupCommits;
        long[] commits;
        try (Outbox outbox = Outbox.open(work.resolve("commit-8"), 1_000_000, Clock.systemUTC())) {
            groupCommits = rate(n, () -> appendFromCameras(outbox, body, n, cameras));
            commits = outbox.commits();
        }
        System.out.printf(Locale.ROOT, "1. commits   plain JDBC loop %8.1f/s   outbox, one camera %8.1f/s   ratio %.3f%n",
                plainCommits, serialCommits, serialCommits / plainCommits);
        System.out.printf(Locale.ROOT, "             outbox, %d cameras appending at once %8.1f/s   ratio %.3f (target >= 5000/s);"
                + " %d transactions, %.1f reports each%n", cameras, groupCommits, groupCommits / plainCommits, commits[0],
                commits[1] / (double) commits[0]);

        // 2. deliveries
        try (RoboflowClient client = new RoboflowClient(options)) {
            client.post("report", body).block(Duration.ofSeconds(10)); // connect once
            double plainSends = rate(n, () -> {
                for (int i = 0; i < n; i++) {
                    client.post("report", body).block(Duration.ofSeconds(10));
                }
            });
            double outboxSends;
            try (Outbox outbox = Outbox.open(work.resolve("send"), 1_000_000, Clock.systemUTC())) {
                for (int i = 0; i < n; i++) {
                    outbox.append("roboflow", "cam-" + (i % cameras), "report", body);
                }
                outboxSends = rate(n, () -> drain(outbox, client, options));
            }
            System.out.printf(Locale.ROOT, "2. delivery  plain send loop %8.1f/s   outbox sender (%d cameras, %d in flight) %8.1f/s   ratio %.3f%n",
                    plainSends, cameras, options.maxInFlight(), outboxSends, outboxSends / plainSends);

            // 3. a backlog after an outage: eight cameras' reports interleaved, and one camera's (sent one at a time: its order)
            int backlog = 10_000;
            for (int spread : new int[] {cameras, 1}) {
                try (Outbox outbox = Outbox.open(work.resolve("backlog-" + spread), 1_000_000, Clock.systemUTC())) {
                    for (int i = 0; i < backlog; i++) {
                        outbox.append("roboflow", "cam-" + (i % spread), "report", body);
                    }
                    long start = System.nanoTime();
                    drain(outbox, client, options);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    System.out.printf(Locale.ROOT, "3. backlog   %d reports of %d camera%s drained in %.1f s (%.0f/s)%s%n", backlog, spread,
                            spread == 1 ? "" : "s", seconds, backlog / seconds, spread == 1 ? "" : " (target <= 10 s)");
                }
            }
        } finally {
            server.disposeNow();
        }
    }

    /** {@code n} reports appended by {@code cameras} threads at once, each a camera's reporting thread. */
    private static void appendFromCameras(Outbox outbox, byte[] body, int n, int cameras) {
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < cameras; c++) {
            String camera = "cam-" + c;
            int share = n / cameras + (c < n % cameras ? 1 : 0);
            Thread t = new Thread(() -> {
                for (int i = 0; i < share; i++) {
                    outbox.append("roboflow", camera, "report", body);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void drain(Outbox outbox, RoboflowClient client, RoboflowOptions options) {
        try (OutboxSender sender = new OutboxSender(outbox, "roboflow", client::post, options.retryMin(), options.retryMax(),
                options.probeInterval(), false, options.maxInFlight()).start()) {
            while (outbox.stats().depth() > 0) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void plainInserts(Path file, byte[] body, int n) {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT, camera_id TEXT,"
                        + " kind TEXT, body BLOB, created_at INTEGER)");
            }
            try (PreparedStatement ins = db.prepareStatement(
                    "INSERT INTO rows (destination, camera_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?)")) {
                for (int i = 0; i < n; i++) {
                    ins.setString(1, "roboflow");
                    ins.setString(2, "cam");
                    ins.setString(3, "report");
                    ins.setBytes(4, body);
                    ins.setLong(5, System.currentTimeMillis());
                    ins.executeUpdate();
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double rate(int n, Runnable run) {
        long start = System.nanoTime();
        run.run();
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static WindowReport report() {
        Instant end = Instant.now();
        List<ClassResult> results = List.of(
                new ClassResult("people/3", "person", 0.91, "6a1a3f0e-9c1b-4a43-8f35-0c1d2e3f4a5b", "object-detection"),
                new ClassResult("people/3", "bicycle", 0.55, "7b2b4f1f-0d2c-4b54-9046-1d2e3f4a5b6c", "object-detection"));
        return new WindowReport("cam", "people/3", "object-detection", end.minusSeconds(5), end, 125, 125, 0, 0,
                Map.of(), Map.of(), results, List.of(), LatencyStats.EMPTY, LatencyStats.EMPTY, LatencyStats.EMPTY);
    }

}
