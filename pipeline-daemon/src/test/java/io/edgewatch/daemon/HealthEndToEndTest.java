package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.daemon.config.ConfigError;
import io.edgewatch.daemon.config.ConfigException;
import io.edgewatch.daemon.config.ConfigLoader;
import io.edgewatch.testkit.InferenceServerStandIn;
import io.edgewatch.testkit.RoboflowStandIn;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * The health endpoint of a real run: the daemon on {@code ../shared/fixtures/vtest.avi} (set
 * {@code -Dedgewatch.fixtures=DIR} to point elsewhere) with the HOG detector, then {@code /healthz},
 * {@code /metrics} and {@code /api/cameras} over HTTP, checked against the JSONL reports of the
 * same run.
 */
class HealthEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Answer(int status, String body) {
    }

    private static Answer get(String url, String token) {
        return HttpClient.create().headers(h -> {
                    if (token != null) {
                        h.set("Authorization", "Bearer " + token);
                    }
                }).get().uri(url)
                .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(b -> new Answer(res.status().code(), b)))
                .block(Duration.ofSeconds(10));
    }

    @Test
    void theEndpointServesWhatTheReportsSayOnRealFootage() throws Exception {
        Path vtest = ConfigFolder.fixture("vtest.avi");
        Path cfg = ConfigFolder.write(dir, "", """
                id: lobby
                source:
                  type: file
                  path: %s
                  max_fps: 1
                inference:
                  type: hog
                  max_in_flight: 2
                aggregation:
                  frequency: 2
                """.formatted(vtest));
        Answer healthz;
        Answer metrics;
        Answer cameras;
        Answer unknown;
        Answer stats;
        Answer badTime;
        Answer emptyPeriod;
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            assertThat(url).startsWith("http://127.0.0.1:");
            daemon.completion().block(Duration.ofMinutes(5));
            healthz = get(url + "/healthz", null);
            metrics = get(url + "/metrics", null);
            cameras = get(url + "/api/cameras", null);
            unknown = get(url + "/nope", null);
            // no workspace configured: any workspace is this daemon's; no times: the last 24 hours
            stats = get(url + "/my-workspace/inference-stats?api_key=ignored", null);
            badTime = get(url + "/my-workspace/inference-stats?startTime=yesterday", null);
            emptyPeriod = get(url + "/my-workspace/inference-stats?startTime=2020-01-01%2000:00:00&endTime=2020-01-02%2000:00:00"
                    + "&modelNames=opencv-hog-people", null);
        }
        List<JsonNode> reports = ConfigFolder.reports(dir);
        long seen = reports.stream().mapToLong(r -> r.get("frames_seen").asLong()).sum();
        long inferred = reports.stream().mapToLong(r -> r.get("frames_inferred").asLong()).sum();
        long dropped = reports.stream().mapToLong(r -> r.get("frames_dropped").asLong()).sum();
        long people = 0;
        for (JsonNode r : reports) {
            for (JsonNode s : r.get("class_stats")) {
                people += s.get("count").asLong();
            }
        }
        assertThat(inferred).isEqualTo(80);
        assertThat(people).isPositive();

        assertThat(healthz.status()).isEqualTo(200);
        JsonNode h = JSON.readTree(healthz.body());
        assertThat(h.get("status").asText()).isEqualTo("ok");
        assertThat(h.get("cameras").get("lobby").asText()).isEqualTo("ok");

        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metric(metrics.body(), "edgewatch_frames_total", "outcome=\"seen\"")).isEqualTo(seen);
        assertThat(metric(metrics.body(), "edgewatch_frames_total", "outcome=\"inferred\"")).isEqualTo(inferred);
        assertThat(metric(metrics.body(), "edgewatch_frames_dropped_total", "reason=\"rate_limit\"")).isEqualTo(dropped);
        assertThat(metric(metrics.body(), "edgewatch_detections_total", "class=\"person\"")).isEqualTo(people);
        // every inferred frame's inference latency is in the histogram, once
        assertThat(metric(metrics.body(), "edgewatch_latency_seconds_count", "stage=\"inference\"")).isEqualTo(inferred);
        assertThat(metric(metrics.body(), "edgewatch_latency_seconds_bucket", "stage=\"inference\",le=\"+Inf\"")).isEqualTo(inferred);
        assertThat(metrics.body()).contains("edgewatch_source_state{camera=\"lobby\",state=\"stopped\"} 1")
                .contains("edgewatch_native_memory_bytes").contains("jvm_memory_used_bytes").contains("process_cpu_usage");

        assertThat(cameras.status()).isEqualTo(200);
        JsonNode cam = JSON.readTree(cameras.body()).get(0);
        assertThat(cam.get("camera_id").asText()).isEqualTo("lobby");
        assertThat(cam.get("model_id").asText()).isEqualTo("opencv-hog-people");
        assertThat(cam.get("source").get("state").asText()).isEqualTo("stopped");
        assertThat(cam.get("totals").get("frames_seen").asLong()).isEqualTo(seen);
        assertThat(cam.get("totals").get("frames_inferred").asLong()).isEqualTo(inferred);
        JsonNode last = reports.get(reports.size() - 1);
        JsonNode window = cam.get("last_window");
        assertThat(window.get("window_end").asText()).isEqualTo(last.get("window_end").asText());
        assertThat(window.get("frames_seen").asLong()).isEqualTo(last.get("frames_seen").asLong());
        assertThat(window.get("latency_ms").get("inference").get("p95").asDouble())
                .isEqualTo(last.get("latency_ms").get("inference").get("p95").asDouble());

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).contains("/healthz");

        // the decode and wait stages are timed too
        assertThat(window.get("latency_ms").get("decode").get("p50").asDouble()).isPositive();
        assertThat(window.get("latency_ms").has("wait")).isTrue();

        // Roboflow's statistics from the local history agree with the JSONL reports of the run
        assertThat(stats.status()).as(stats.body()).isEqualTo(200);
        JsonNode st = JSON.readTree(stats.body());
        double confidenceSum = 0;
        double callSum = 0;
        long personFrames = 0;
        long empty = 0;
        long errors = 0;
        long[] tenths = new long[10];
        for (JsonNode r : reports) {
            empty += r.get("frames_empty").asLong();
            errors += r.get("inference_errors").asLong();
            JsonNode call = r.get("latency_ms").get("call");
            callSum += call.get("mean").asDouble() * call.get("count").asLong();
            for (JsonNode c : r.get("class_stats")) {
                confidenceSum += c.get("mean_confidence").asDouble() * c.get("count").asLong();
                personFrames += c.get("frames").asLong();
                for (int i = 0; i < 10; i++) {
                    tenths[i] += c.get("confidence_histogram").get(i).asLong();
                }
            }
        }
        assertThat(st.get("num_inferences").asLong()).isEqualTo(inferred);
        assertThat(st.get("prev_num_inferences").asLong()).isZero();
        assertThat(st.get("num_errors").asLong()).isEqualTo(errors);
        assertThat(st.get("avg_confidence").asDouble()).isCloseTo(confidenceSum / people, within(1e-9));
        assertThat(st.get("prev_avg_confidence").isNull()).isTrue();
        assertThat(st.get("avg_response_time").asDouble()).isCloseTo(callSum / inferred / 1000, within(1e-9));
        JsonNode rows = st.get("inference_stats");
        JsonNode person = rows.get(0);
        assertThat(person.get("model_name").asText()).isEqualTo("opencv-hog-people");
        assertThat(person.get("predicted_class").asText()).isEqualTo("person");
        assertThat(person.get("class_count").asLong()).isEqualTo(people);
        assertThat(person.get("num_inferences").asLong()).isEqualTo(personFrames);
        assertThat(person.get("model_num_inferences").asLong()).isEqualTo(inferred);
        assertThat(person.get("inference_server_versions").asText()).isEqualTo("edgewatch-0.1.0");
        // the median lies in the tenth where the reports' histograms put half of the predictions
        long below = 0;
        int tenth = 0;
        while (below + tenths[tenth] < people / 2.0) {
            below += tenths[tenth++];
        }
        assertThat(person.get("median_confidence").asDouble()).isBetween(tenth / 10.0, (tenth + 1) / 10.0);
        if (empty > 0) {
            assertThat(rows).hasSize(2);
            assertThat(rows.get(1).get("predicted_class").asText()).isEmpty();
            assertThat(rows.get(1).get("num_inferences").asLong()).isEqualTo(empty);
        }
        // every inferred frame either saw a person or nothing
        assertThat(personFrames + empty).isEqualTo(inferred);

        assertThat(badTime.status()).isEqualTo(400);
        assertThat(badTime.body()).contains("startTime", "'yesterday'", "YYYY-MM-DD HH:mm:ss");
        assertThat(emptyPeriod.status()).isEqualTo(200);
        JsonNode none = JSON.readTree(emptyPeriod.body());
        assertThat(none.get("num_inferences").asLong()).isZero();
        assertThat(none.get("avg_confidence").isNull()).isTrue();
        assertThat(none.get("inference_stats")).isEmpty();
    }

    @Test
    void awayFromLoopbackEveryRequestNeedsTheTokenAndTheConfigurationSaysSo() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", """
                id: pattern
                source:
                  type: test_pattern
                  size: 160x120
                inference:
                  type: none
                """);
        Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml"))
                .replace("health:\n  port: 0\n", "health:\n  port: 0\n  host: 0.0.0.0\n  token: ${TOKEN}\n"));
        ConfigException missing = Assertions.catchThrowableOfType(ConfigException.class,
                () -> new ConfigLoader(Map.of("TOKEN", "")).read(cfg));
        assertThat(missing.errors()).extracting(ConfigError::toString)
                .anySatisfy(e -> assertThat(e).contains("health.token: required when health.host (0.0.0.0) is not a loopback address"));

        try (Daemon daemon = Daemon.start(new ConfigLoader(Map.of("TOKEN", "s3cret-token-0123")).read(cfg))) {
            String url = daemon.healthUrl().orElseThrow().replace("0.0.0.0", "127.0.0.1");
            Answer none = get(url + "/healthz", null);
            Answer wrong = get(url + "/metrics", "guess");
            Answer right = get(url + "/healthz", "s3cret-token-0123");
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.body()).doesNotContain("s3cret-token-0123");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(right.status()).isEqualTo(200);
            assertThat(JSON.readTree(right.body()).get("cameras").has("pattern")).isTrue();
        }
    }

    @Test
    void aDetectorWhoseConfidenceFallsPartWayRaisesTheConfidenceSlideAlert() throws Exception {
        AtomicInteger frames = new AtomicInteger();
        try (InferenceServerStandIn server = new InferenceServerStandIn()) {
            // confident for the first 30 frames (3 s at 10 fps; the baseline learns from the first 2 windows), then much less
            server.answer(r -> InferenceServerStandIn.Answer.ok(
                    InferenceServerStandIn.detections(r, "person",
                            "edgewatch-startup-check".equals(r.field("id")) || frames.incrementAndGet() <= 30 ? 0.9 : 0.5)));
            // the alert webhook: refuses the first delivery (503), takes the next
            List<String> delivered = new CopyOnWriteArrayList<>();
            List<String> auth = new CopyOnWriteArrayList<>();
            AtomicInteger posts = new AtomicInteger();
            DisposableServer hook = HttpServer.create().host("127.0.0.1").port(0)
                    .handle((req, res) -> req.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
                        if (posts.incrementAndGet() == 1) {
                            return res.status(503).send().then();
                        }
                        delivered.add(body);
                        auth.add(String.valueOf(req.requestHeaders().get("Authorization")));
                        return res.status(204).send().then();
                    }))
                    .bindNow();
            Path cfg = ConfigFolder.write(dir, "", """
                    id: gate
                    source:
                      type: test_pattern
                      size: 160x120
                      rate: 10
                    inference:
                      type: roboflow
                      url: %s
                      model_id: people/1
                    aggregation:
                      frequency: 1
                    alerts:
                      baseline_period: 2s
                      sustain: 2s
                    """.formatted(server.url()));
            Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml")) + """
                    alerts:
                      webhook:
                        url: http://127.0.0.1:%d/hooks/edgewatch
                        token: hook-token-1
                    """.formatted(hook.port()));
            try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
                String url = daemon.healthUrl().orElseThrow();
                JsonNode alerts = poll(url, a -> a.get("active").size() > 0);
                assertThat(alerts.get("active")).as("%s", alerts).singleElement().satisfies(a -> {
                    assertThat(a.get("camera_id").asText()).isEqualTo("gate");
                    assertThat(a.get("signal").asText()).isEqualTo("confidence_slide:person");
                    assertThat(a.get("state").asText()).isEqualTo("firing");
                    assertThat(a.get("baseline").asDouble()).isCloseTo(0.9, Assertions.within(1e-9));
                    assertThat(a.get("current").asDouble()).isCloseTo(0.5, Assertions.within(1e-9));
                });
                JsonNode h = JSON.readTree(get(url + "/healthz", null).body());
                assertThat(h.get("status").asText()).isEqualTo("degraded");
                assertThat(h.get("cameras").get("gate").asText()).contains("alert confidence_slide:person");
                assertThat(get(url + "/metrics", null).body())
                        .contains("edgewatch_alerts_total{camera=\"gate\",signal=\"confidence_slide\",state=\"firing\"} 1.0");
                for (long until = System.nanoTime() + 30_000_000_000L; delivered.isEmpty() && System.nanoTime() < until; ) {
                    Thread.sleep(100);
                }
            } finally {
                hook.disposeNow();
            }
            assertThat(posts.get()).isGreaterThanOrEqualTo(2);
            assertThat(delivered).first().satisfies(body -> {
                JsonNode a = JSON.readTree(body);
                assertThat(a.get("device_id").asText()).isEqualTo("test-box");
                assertThat(a.get("camera_id").asText()).isEqualTo("gate");
                assertThat(a.get("signal").asText()).isEqualTo("confidence_slide:person");
                assertThat(a.get("state").asText()).isEqualTo("firing");
                assertThat(a.get("message").asText()).contains("baseline 0.900");
            });
            assertThat(auth).first().isEqualTo("Bearer hook-token-1");
        }
    }

    @Test
    void aRefusedRoboflowKeyRaisesTheDaemonsDeliveryAlertWhichClearsOnceItIsFixed() throws Exception {
        RoboflowStandIn roboflow = new RoboflowStandIn("ws");
        AtomicBoolean fixed = new AtomicBoolean();
        roboflow.answer(r -> fixed.get() ? RoboflowStandIn.Answer.ok("{}")
                : RoboflowStandIn.Answer.status(401));
        Path cfg = ConfigFolder.write(dir, "", """
                id: pattern
                source:
                  type: test_pattern
                  size: 160x120
                inference:
                  type: none
                aggregation:
                  frequency: 1
                """);
        Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml")) + """
                roboflow:
                  api_key: rf_bad_key_0000
                  api_url: %s
                  workspace: ws
                  probe_interval: 500ms
                alerts:
                  sustain: 2s
                """.formatted(roboflow.url()));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            JsonNode alerts = poll(url, a -> a.get("active").size() > 0);
            assertThat(alerts.get("active")).singleElement().satisfies(a -> {
                assertThat(a.get("camera_id").asText()).isEqualTo("daemon");
                assertThat(a.get("signal").asText()).isEqualTo("delivery_stopped:roboflow");
                assertThat(a.get("message").asText()).contains("check roboflow.api_key").doesNotContain("rf_bad_key_0000");
            });
            JsonNode h = JSON.readTree(get(url + "/healthz", null).body());
            assertThat(h.get("status").asText()).isEqualTo("degraded");
            assertThat(h.get("problems").get(0).asText()).contains("delivery_stopped:roboflow");
            // the key is fixed: the next probe delivers, and 2 s later the alert clears
            fixed.set(true);
            JsonNode cleared = poll(url, a -> a.get("active").size() == 0);
            assertThat(cleared.get("recent").get(0).get("state").asText()).isEqualTo("cleared");
            assertThat(cleared.get("recent").get(0).get("signal").asText()).isEqualTo("delivery_stopped:roboflow");
            assertThat(JSON.readTree(get(url + "/healthz", null).body()).get("status").asText()).isEqualTo("ok");
        } finally {
            roboflow.close();
        }
    }

    /** {@code /api/alerts} once {@code until} holds (within 60 s). */
    private static JsonNode poll(String url, Predicate<JsonNode> until) throws Exception {
        JsonNode alerts = null;
        for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline; Thread.sleep(200)) {
            alerts = JSON.readTree(get(url + "/api/alerts", null).body());
            if (until.test(alerts)) {
                return alerts;
            }
        }
        throw new AssertionError("not reached within 60 s: " + alerts);
    }

    /** The value of the one sample of {@code name} for camera lobby whose labels include {@code label}. */
    private static long metric(String text, String name, String label) {
        Pattern p = Pattern.compile("^" + name + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        Map<String, Double> found = new HashMap<>();
        while (m.find()) {
            if (m.group(1).contains("camera=\"lobby\"") && m.group(1).contains(label)) {
                found.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        assertThat(found).as("%s{%s} in%n%s", name, label, text).hasSize(1);
        return Math.round(found.values().iterator().next());
    }
}
