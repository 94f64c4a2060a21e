package io.edgewatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import org.bytedeco.opencv.global.opencv_core;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.LastFrame;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.health.Health;
import io.edgewatch.health.HealthServer;
import io.edgewatch.health.HealthStore;
import io.edgewatch.health.SourceProbe;
import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.inference.Detectors;
import io.edgewatch.inference.opencv.Snapshots;
import io.edgewatch.source.VideoSources;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/**
 * The cost of health tracking on the hot path: the pipeline (file, no-op detector, JSONL) on
 * {@code vtest.avi} with health off, against the same with the health sink on and its endpoint
 * scraped ({@code /metrics} and {@code /api/cameras}) every 100 ms, far more often than Prometheus
 * would; and with the status page open: the last frame kept for snapshots and the page's requests
 * (snapshot JPEG, history, cameras, alerts, healthz) every second, five times as often as the page
 * refreshes, against health on, both over the clip eight times in a row (a run of about 7 s). Median of alternating runs. Usage: {@code HealthBenchmark [fixturesDir] [runs]}.
 */
public final class HealthBenchmark {

    /** Passes over the clip for the status page's pair: long enough for its requests to land. */
    private static final int PASSES = 8;

    private HealthBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path clip = Path.of(args.length > 0 ? args[0] : "../shared/fixtures").resolve("vtest.avi");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        if (!Files.isReadable(clip)) {
            throw new IllegalArgumentException(clip + " not found: pass the fixtures folder as first argument");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("edgewatch-bench");
        opencv_core.setNumThreads(1);
        System.out.printf(Locale.ROOT, "edgewatch health benchmark: %d cores, %d runs (median), %s%n", cores, runs, clip.getFileName());
        AtomicLong scrapes = new AtomicLong();
        AtomicLong pageRequests = new AtomicLong();
        try (InferenceAdapter noop = Detectors.noop("noop");
             // with its store, as the daemon runs it: every window is also written to health.db
             HealthStore store = HealthStore.open(work.resolve("health"));
             Health health = new Health(Clock.systemUTC(), store);
             HealthServer server = HealthServer.start(health, "127.0.0.1", 0, null)) {
            FrameSource file = VideoSources.file("bench", clip, false);
            ReportSink watch = BenchSupport.sink(health.camera("bench", "noop", Duration.ofSeconds(1),
                    SourceProbe.of(file.live(), file::status), AlertOptions.DEFAULTS)::window);
            HttpClient client = HttpClient.create();
            List<BenchSupport.Result> r = BenchSupport.measure(runs,
                    () -> BenchSupport.pipeline(clip, noop, Integer.MAX_VALUE, cores, work),
                    () -> BenchSupport.pipeline(clip, noop, Integer.MAX_VALUE, cores, work, List.of(watch)),
                    () -> BenchSupport.pipeline(clip, noop, PASSES, cores, work, List.of(watch), LastFrame.off()),
                    () -> {
                        // scraped only while this contender runs
                        Disposable scraper = Flux.interval(Duration.ofMillis(100)).onBackpressureDrop()
                                .concatMap(i -> Flux.just("/metrics", "/api/cameras").concatMap(path ->
                                        client.get().uri(server.url() + path).responseContent().aggregate().asString()))
                                .subscribe(body -> scrapes.incrementAndGet());
                        try {
                            return BenchSupport.pipeline(clip, noop, Integer.MAX_VALUE, cores, work, List.of(watch));
                        } finally {
                            scraper.dispose();
                        }
                    },
                    () -> {
                        LastFrame last = LastFrame.keeping();
                        health.snapshots("bench", () -> Snapshots.jpeg(last));
                        Disposable page = Flux.interval(Duration.ofSeconds(1)).onBackpressureDrop()
                                .concatMap(i -> Flux.just("/api/cameras/bench/snapshot.jpg", "/api/cameras/bench/history", "/api/cameras",
                                        "/api/alerts", "/healthz").concatMap(path ->
                                        client.get().uri(server.url() + path).responseContent().aggregate().asByteArray()))
                                .subscribe(body -> pageRequests.incrementAndGet());
                        try {
                            return BenchSupport.pipeline(clip, noop, PASSES, cores, work, List.of(watch), last);
                        } finally {
                            page.dispose();
                        }
                    });
            System.out.printf(Locale.ROOT, "   health off %7.1f fps   health on %7.1f fps   ratio %.3f (target >= 0.97)%n",
                    r.get(0).fps(), r.get(1).fps(), r.get(1).fps() / r.get(0).fps());
            System.out.printf(Locale.ROOT, "   health on and /metrics + /api/cameras scraped every 100 ms %7.1f fps   ratio %.3f%n",
                    r.get(3).fps(), r.get(3).fps() / r.get(0).fps());
            System.out.printf(Locale.ROOT, "   over the clip %d times: health on %7.1f fps   status page open (last frame kept, its requests"
                    + " every second) %7.1f fps   ratio %.3f (target >= 0.97)%n", PASSES, r.get(2).fps(), r.get(4).fps(),
                    r.get(4).fps() / r.get(2).fps());
        }
        System.out.printf(Locale.ROOT, "   (%d scrapes, %d status page requests answered)%n", scrapes.get(), pageRequests.get());
    }
}
