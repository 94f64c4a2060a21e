package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.core.testing.MovingClock;
import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.sink.outbox.OutboxStats;
import reactor.netty.http.client.HttpClient;

/** When a camera counts as degraded, and what the meters say, on a clock the test moves. */
class HealthTest {

    /** The cameras' window length, as registered. */
    private static final Duration WINDOW = Duration.ofSeconds(5);

    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    private static final class Camera implements SourceProbe {
        volatile SourceStatus status = new SourceStatus(SourceStatus.State.STREAMING, T0, 0, null);

        @Override
        public boolean live() {
            return true;
        }

        @Override
        public SourceStatus status() {
            return status;
        }
    }

    private static WindowReport window(Instant end, long seen, long inferred, long errors) {
        // every frame at 20 ms: the bucket up to 25 ms
        long[] buckets = new long[LatencyStats.BOUNDS_SECONDS.length + 1];
        buckets[LatencyStats.bucket(20)] = inferred;
        LatencyStats lat = new LatencyStats(inferred, 20, 20, 20, 20, 20, buckets);
        return new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(5), end, seen, inferred, 0, errors,
                Map.of(), errors == 0 ? Map.of() : Map.of("unavailable", errors), List.of(),
                List.of(new ClassStats("person", 7, 5, 0.4, 0.6, 0.9)), lat, lat, lat);
    }

    @Test
    void whyACameraStoppedIsServedWithoutTheCredentialsOfItsUrl() {
        try (Health health = new Health(new MovingClock(T0))) {
            CameraListener watch = health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            watch.stopped("cannot open rtsp://admin:Stop-Why-Pw-93@10.1.2.3/stream: Connection refused");
            assertThat(health.degraded().get("cam-1").toString()).contains("rtsp://***@10.1.2.3/stream")
                    .doesNotContain("Stop-Why-Pw-93");
            assertThat(health.cameras().toString()).doesNotContain("Stop-Why-Pw-93");
            assertThat(health.healthz().toString()).doesNotContain("Stop-Why-Pw-93");
        }
    }

    @Test
    void aCameraIsDegradedWhileItsSourceReconnectsItsInferencesMostlyFailOrItsWindowsStop() {
        MovingClock clock = new MovingClock(T0);
        Camera source = new Camera();
        try (Health health = new Health(clock)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), source, null);
            assertThat(health.degraded()).isEmpty();

            clock.set(T0.plusSeconds(5));
            health.record(window(clock.instant(), 100, 100, 0));
            assertThat(health.healthz().get("status").asText()).isEqualTo("ok");

            source.status = new SourceStatus(SourceStatus.State.RECONNECTING, T0.plusSeconds(6), 3, "connection refused");
            assertThat(health.degraded().get("cam-1")).singleElement().asString()
                    .contains("source reconnecting", "connection refused");

            source.status = new SourceStatus(SourceStatus.State.STREAMING, T0.plusSeconds(8), 3, null);
            clock.set(T0.plusSeconds(10));
            health.record(window(clock.instant(), 100, 40, 60));
            assertThat(health.degraded().get("cam-1")).singleElement().asString()
                    .contains("inference failed on 60 of 100 frames", "unavailable");
            health.record(window(clock.instant(), 100, 51, 49));
            assertThat(health.degraded()).isEmpty();

            clock.set(T0.plusSeconds(26)); // 16 s after the last window: more than 3 windows of 5 s
            assertThat(health.degraded().get("cam-1")).singleElement().asString().contains("no window reported for 16 s");
            assertThat(health.healthz().get("cameras").get("cam-1").asText()).startsWith("degraded: ");

            health.failed("cam-1", "ONNX model m.onnx cannot be loaded");
            assertThat(health.degraded().get("cam-1")).containsExactly("camera stopped: ONNX model m.onnx cannot be loaded");
        }
    }

    @Test
    void aLearntBaselineAndTheAlertHistorySurviveARestart(@org.junit.jupiter.api.io.TempDir Path dir) {
        AlertOptions options = new AlertOptions(
                WINDOW.multipliedBy(2), 0.15, 0.25, 4, 2.0, 0.5, 0.2, Duration.ZERO, Duration.ofMinutes(1));
        MovingClock clock = new MovingClock(T0);
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), options);
            health.record(window(T0.plusSeconds(5), 50, 50, 0));
            health.record(window(T0.plusSeconds(10), 50, 50, 0)); // baseline learnt: 10 fps
            health.record(window(T0.plusSeconds(15), 50, 10, 0)); // 2 fps: throughput drop fires
            assertThat(health.alerts().get("active")).hasSize(1);
        }
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), options);
            // the alert firing at the stop is firing again from the start, without being fired twice
            assertThat(health.alerts().get("active")).singleElement()
                    .satisfies(a -> assertThat(a.get("at").asText()).isEqualTo(T0.plusSeconds(15).toString()));
            // no learning this time: the first window is already judged against the kept baseline
            health.record(window(T0.plusSeconds(20), 50, 10, 0));
            var alerts = health.alerts();
            assertThat(alerts.get("active")).singleElement().satisfies(a -> {
                assertThat(a.get("signal").asText()).isEqualTo("throughput_drop");
                assertThat(a.get("baseline").asDouble()).isEqualTo(10.0);
            });
            assertThat(alerts.get("recent")).hasSize(1);
            assertThat(alerts.get("recent").get(0).get("at").asText()).isEqualTo(T0.plusSeconds(15).toString());
            // and it clears as any other once the throughput is back
            health.record(window(T0.plusSeconds(25), 50, 50, 0));
            assertThat(health.alerts().get("active")).isEmpty();
            health.record(window(T0.plusSeconds(30), 50, 10, 0)); // fires again
        }
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            // another model on the camera: the old baseline does not apply, nor the alert judged against it
            health.camera("cam-1", "m/2", Duration.ofSeconds(5), new Camera(), options);
            assertThat(health.alerts().get("active")).isEmpty();
            var cleared = health.alerts().get("recent").get(0);
            assertThat(cleared.get("state").asText()).isEqualTo("cleared");
            assertThat(cleared.get("message").asText()).contains("baseline is being learnt again (model m/2)");
            health.record(window(T0.plusSeconds(35), 50, 10, 0));
            assertThat(health.alerts().get("active")).isEmpty();
        }
    }

    @Test
    void aBaselinePinnedToAPeriodIsTakenFromTheKeptWindowsOfThatPeriod(@org.junit.jupiter.api.io.TempDir Path dir) {
        AlertOptions learn = new AlertOptions(
                WINDOW.multipliedBy(100), 0.15, 0.25, 4, 2.0, 0.5, 0.2, Duration.ZERO, Duration.ofMinutes(1));
        MovingClock clock = new MovingClock(T0);
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            // a good hour at 10 fps (windows ending 10:00:05 .. 10:00:20), then a poor one at 4 fps
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), learn);
            for (int i = 1; i <= 4; i++) {
                health.record(window(T0.plusSeconds(5L * i), 50, 50, 0));
            }
            for (int i = 5; i <= 8; i++) {
                health.record(window(T0.plusSeconds(5L * i), 50, 20, 0));
            }
            assertThat(health.alerts().get("active")).isEmpty(); // still learning: 100 windows
        }
        AlertOptions pinned = new AlertOptions(true,
                WINDOW.multipliedBy(100), 0.15, 0.25, 4, 2.0, 0.5, 0.2, Duration.ZERO, Duration.ofMinutes(1), 0, T0, T0.plusSeconds(21));
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), pinned);
            var baseline = health.cameras().get(0).get("baseline");
            assertThat(baseline.get("windows").asInt()).isEqualTo(4);
            assertThat(baseline.get("fps").asDouble()).isCloseTo(10.0, within(1e-9));
            assertThat(baseline.get("meanConfidence").get("person").asDouble()).isCloseTo(0.6, within(1e-9));
            health.record(window(T0.plusSeconds(45), 50, 20, 0));
            assertThat(health.alerts().get("active")).singleElement()
                    .satisfies(a -> assertThat(a.get("signal").asText()).isEqualTo("throughput_drop"));
        }
        AlertOptions nothingThere = new AlertOptions(true,
                WINDOW.multipliedBy(100), 0.15, 0.25, 4, 2.0, 0.5, 0.2, Duration.ZERO, Duration.ofMinutes(1), 0, T0.minusSeconds(7200), T0.minusSeconds(3600));
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            // nothing kept in that period: the baseline pinned before is kept
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), nothingThere);
            assertThat(health.cameras().get(0).get("baseline").get("fps").asDouble()).isCloseTo(10.0, within(1e-9));
        }
    }

    @Test
    void anOperatorCanHaveACameraLearnItsBaselineAgainOverHttp(@org.junit.jupiter.api.io.TempDir Path dir) {
        AlertOptions options = new AlertOptions(
                WINDOW.multipliedBy(2), 0.15, 0.25, 4, 2.0, 0.5, 0.2, Duration.ZERO, Duration.ofMinutes(1));
        MovingClock clock = new MovingClock(T0);
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store);
             HealthServer server = HealthServer.start(health, "127.0.0.1", 0, null)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), options);
            health.camera("cam-2", "m/1", Duration.ofSeconds(5), new Camera(), null);
            health.record(window(T0.plusSeconds(5), 50, 50, 0));
            health.record(window(T0.plusSeconds(10), 50, 50, 0)); // baseline: 10 fps
            health.record(window(T0.plusSeconds(15), 50, 10, 0)); // 2 fps: throughput drop fires
            assertThat(health.alerts().get("active")).hasSize(1);

            // a POST says it is JSON (a page elsewhere cannot send that without asking first)
            HttpClient client = HttpClient.create().headers(h -> h.set("Content-Type", "application/json"));
            String[] answer = client.post().uri(server.url() + "/api/cameras/cam-1/baseline/relearn")
                    .responseSingle((res, body) -> body.asString().defaultIfEmpty("").map(b -> res.status().code() + " " + b))
                    .block(Duration.ofSeconds(10)).split(" ", 2);
            assertThat(answer[0]).isEqualTo("200");
            assertThat(answer[1]).contains("\"learning\":true", "throughput_drop");
            // the alert judged against the old baseline cleared, and the baseline is gone here and on disk
            assertThat(health.alerts().get("active")).isEmpty();
            assertThat(health.alerts().get("recent").get(0).get("message").asText()).contains("learnt again");
            assertThat(health.cameras().get(0).has("baseline")).isFalse();
            store.flush();
            assertThat(store.baseline("cam-1", "m/1")).isNull();
            // the next windows teach the new one: 2 fps is normal now
            health.record(window(T0.plusSeconds(20), 50, 10, 0));
            health.record(window(T0.plusSeconds(25), 50, 10, 0));
            health.record(window(T0.plusSeconds(30), 50, 10, 0));
            assertThat(health.cameras().get(0).get("baseline").get("fps").asDouble()).isCloseTo(2.0, within(1e-9));
            assertThat(health.alerts().get("active")).isEmpty();

            String none = client.post().uri(server.url() + "/api/cameras/nope/baseline/relearn")
                    .responseSingle((res, body) -> body.asString().map(b -> res.status().code() + " " + b)).block(Duration.ofSeconds(10));
            assertThat(none).startsWith("404").contains("no camera 'nope'");
            String off = client.post().uri(server.url() + "/api/cameras/cam-2/baseline/relearn")
                    .responseSingle((res, body) -> body.asString().map(b -> res.status().code() + " " + b)).block(Duration.ofSeconds(10));
            assertThat(off).startsWith("409").contains("alerts are off for camera cam-2");
        }
    }

    @Test
    void aStoreThatCannotWriteFiresStorageFullAtOnceDegradesHealthzAndClearsAfterItWritesAgain() {
        AtomicReference<String> problem = new AtomicReference<>();
        MovingClock clock = new MovingClock(T0);
        try (Health health = new Health(clock)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            health.storage("outbox", problem::get, Duration.ofSeconds(10));
            health.record(window(T0.plusSeconds(5), 50, 50, 0));
            assertThat(health.alerts().get("active")).isEmpty();
            problem.set("outbox var/outbox.db: cannot commit: [SQLITE_FULL] database or disk is full");
            clock.set(T0.plusSeconds(10));
            health.record(window(T0.plusSeconds(10), 50, 50, 0));
            assertThat(health.alerts().get("active")).singleElement().satisfies(a -> {
                assertThat(a.get("camera_id").asText()).isEqualTo(Health.DAEMON);
                assertThat(a.get("signal").asText()).isEqualTo("storage_full:outbox");
                assertThat(a.get("message").asText()).contains("SQLITE_FULL").contains("wait in memory");
            });
            assertThat(health.healthz().get("status").asText()).isEqualTo("degraded");
            assertThat(health.healthz().get("problems").get(0).asText()).contains("storage_full:outbox");
            problem.set(null);
            clock.set(T0.plusSeconds(15));
            health.record(window(T0.plusSeconds(15), 50, 50, 0));
            assertThat(health.alerts().get("active")).as("held for less than 10 s").hasSize(1);
            clock.set(T0.plusSeconds(26));
            health.record(window(T0.plusSeconds(26), 50, 50, 0));
            assertThat(health.alerts().get("active")).isEmpty();
            assertThat(health.alerts().get("recent").get(0).get("state").asText()).isEqualTo("cleared");
            assertThat(health.healthz().get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void theDaemonsDeliveryAlertFiresAtOnceSurvivesARestartAndClearsAfterItHeld(@org.junit.jupiter.api.io.TempDir Path dir) {
        AtomicBoolean stopped = new AtomicBoolean();
        MovingClock clock = new MovingClock(T0);
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            health.delivery("roboflow", stopped::get, Duration.ofSeconds(10), "check the key");
            health.record(window(T0.plusSeconds(5), 50, 50, 0));
            assertThat(health.alerts().get("active")).isEmpty();
            stopped.set(true);
            clock.set(T0.plusSeconds(10));
            health.record(window(T0.plusSeconds(10), 50, 50, 0));
            assertThat(health.alerts().get("active")).singleElement().satisfies(a -> {
                assertThat(a.get("camera_id").asText()).isEqualTo(Health.DAEMON);
                assertThat(a.get("signal").asText()).isEqualTo("delivery_stopped:roboflow");
                assertThat(a.get("message").asText()).contains("check the key");
            });
            assertThat(health.healthz().get("status").asText()).isEqualTo("degraded");
        }
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            stopped.set(false); // not tried yet after the restart
            health.delivery("roboflow", stopped::get, Duration.ofSeconds(10), "check the key");
            assertThat(health.alerts().get("active")).hasSize(1);
            clock.set(T0.plusSeconds(15));
            health.record(window(T0.plusSeconds(15), 50, 50, 0));
            stopped.set(true); // the first attempt is refused again: still the same alert, not a new one
            clock.set(T0.plusSeconds(20));
            health.record(window(T0.plusSeconds(20), 50, 50, 0));
            assertThat(health.alerts().get("recent")).hasSize(1);
            stopped.set(false); // fixed: it clears once that held 10 s
            for (int t = 25; t <= 35; t += 5) {
                clock.set(T0.plusSeconds(t));
                health.record(window(T0.plusSeconds(t), 50, 50, 0));
                assertThat(health.alerts().get("active")).as("at %d s", t).hasSize(t < 35 ? 1 : 0);
            }
            assertThat(health.alerts().get("recent").get(0).get("message").asText()).contains("works again");
            assertThat(health.healthz().get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void theStatisticsAnswerForThisDaemonsWorkspaceAloneAndNeedTheStore(@org.junit.jupiter.api.io.TempDir Path dir) {
        MovingClock clock = new MovingClock(T0);
        try (HealthStore store = HealthStore.open(dir); Health health = new Health(clock, store)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            health.record(window(T0.minusSeconds(60), 10, 10, 0));
            health.workspace("acme");
            assertThat(health.inferenceStats("acme", null, null, null).block().get("num_inferences").asLong()).isEqualTo(10);
            Assertions.assertThatThrownBy(() -> health.inferenceStats("other", null, null, null).block())
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("'other'").hasMessageContaining("'acme'");
            Assertions.assertThatThrownBy(() -> health.inferenceStats("acme", "soon", null, null).block())
                    .isInstanceOf(InferenceStats.BadRequest.class).hasMessageContaining("startTime");
        }
        try (Health health = new Health(clock)) {
            Assertions.assertThatThrownBy(() -> health.inferenceStats("acme", null, null, null).block())
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("no window history");
        }
    }

    @Test
    void theMetersCountEveryWindowAndTheOutboxIsServedWhenThereIsOne() {
        MovingClock clock = new MovingClock(T0);
        try (Health health = new Health(clock)) {
            CameraListener cam = health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            assertThat(health.scrape()).doesNotContain("edgewatch_outbox_depth")
                    .contains("edgewatch_reports_dropped_total{camera=\"cam-1\"} 0.0");
            // a reload's new run counts from 0: its drops add to those of the runs before
            cam.reportsDropped(() -> 5);
            cam.reportsDropped(() -> 2);
            assertThat(health.scrape()).contains("edgewatch_reports_dropped_total{camera=\"cam-1\"} 7.0");
            OutboxStats[] stats = {new OutboxStats(12, 30_000, 40, 28, 3, 0, 2, 1)};
            health.outbox(() -> stats[0]);
            health.record(window(T0.plusSeconds(5), 100, 90, 10));
            health.record(window(T0.plusSeconds(10), 50, 50, 0));

            String text = health.scrape();
            assertThat(text).contains("edgewatch_frames_total{camera=\"cam-1\",model=\"m/1\",outcome=\"seen\"} 150.0")
                    .contains("edgewatch_frames_total{camera=\"cam-1\",model=\"m/1\",outcome=\"inferred\"} 140.0")
                    .contains("edgewatch_inference_errors_total{camera=\"cam-1\",kind=\"unavailable\",model=\"m/1\"} 10.0")
                    .contains("edgewatch_detections_total{camera=\"cam-1\",class=\"person\",model=\"m/1\"} 14.0")
                    .contains("edgewatch_confidence_mean{camera=\"cam-1\",class=\"person\",model=\"m/1\"} 0.6")
                    .contains("edgewatch_confidence_median{camera=\"cam-1\",class=\"person\",model=\"m/1\"} 0.6")
                    // 7 predictions at 0.6 in each window: all in the bucket up to 0.7, none up to 0.6
                    .contains("edgewatch_prediction_confidence_bucket{camera=\"cam-1\",class=\"person\",model=\"m/1\",le=\"0.6\"} 0\n")
                    .contains("edgewatch_prediction_confidence_bucket{camera=\"cam-1\",class=\"person\",model=\"m/1\",le=\"0.7\"} 14\n")
                    .contains("edgewatch_prediction_confidence_bucket{camera=\"cam-1\",class=\"person\",model=\"m/1\",le=\"+Inf\"} 14\n")
                    .contains("edgewatch_prediction_confidence_count{camera=\"cam-1\",class=\"person\",model=\"m/1\"} 14\n")
                    // 140 frames at 20 ms: in the 25 ms bucket and above, none up to 10 ms; the sum is 2.8 s
                    .contains("edgewatch_latency_seconds_bucket{camera=\"cam-1\",model=\"m/1\",stage=\"end_to_end\",le=\"0.01\"} 0\n")
                    .contains("edgewatch_latency_seconds_bucket{camera=\"cam-1\",model=\"m/1\",stage=\"end_to_end\",le=\"0.025\"} 140\n")
                    .contains("edgewatch_latency_seconds_bucket{camera=\"cam-1\",model=\"m/1\",stage=\"end_to_end\",le=\"10.0\"} 140\n")
                    .contains("edgewatch_latency_seconds_count{camera=\"cam-1\",model=\"m/1\",stage=\"end_to_end\"} 140\n")
                    .contains("edgewatch_latency_seconds_sum{camera=\"cam-1\",model=\"m/1\",stage=\"end_to_end\"} 2.8\n")
                    .doesNotContain("quantile=")
                    .contains("edgewatch_fps{camera=\"cam-1\",model=\"m/1\",outcome=\"seen\"} 10.0")
                    .contains("edgewatch_outbox_depth 12.0")
                    .contains("edgewatch_outbox_oldest_age_seconds 30.0")
                    .contains("edgewatch_outbox_refused_total 2.0")
                    .contains("edgewatch_outbox_held 1.0")
                    .contains("edgewatch_source_state{camera=\"cam-1\",state=\"streaming\"} 1.0");
            stats[0] = new OutboxStats(0, 0, 40, 40, 3, 0);
            assertThat(health.scrape()).contains("edgewatch_outbox_depth 0.0");
        }
    }

    /** Alert series are there at 0 from the start; a camera removed by a reload leaves no series and no listing behind. */
    @Test
    void alertSeriesStartAtZeroAndARemovedCameraLeavesNoSeries() {
        MovingClock clock = new MovingClock(T0);
        try (Health health = new Health(clock)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            health.camera("cam-2", "m/1", Duration.ofSeconds(5), new Camera(), null);
            health.record(window(T0.plusSeconds(5), 100, 90, 0));
            String text = health.scrape();
            assertThat(text).contains("edgewatch_alerts_total{camera=\"cam-1\",signal=\"confidence_drop\",state=\"firing\"} 0.0")
                    .contains("edgewatch_alerts_total{camera=\"cam-1\",signal=\"source_down\",state=\"cleared\"} 0.0")
                    .contains("edgewatch_alert_firing{camera=\"cam-1\",signal=\"class_shift\"} 0.0")
                    .contains("edgewatch_alert_firing{camera=\"daemon\",signal=\"delivery_stopped\"} 0.0")
                    .contains("edgewatch_alerts_total{camera=\"daemon\",signal=\"storage_full\",state=\"firing\"} 0.0")
                    .contains("edgewatch_latency_seconds_count{camera=\"cam-1\"")
                    .contains("edgewatch_latency_seconds_count{camera=\"cam-2\",model=\"m/1\",stage=\"decode\"} 0\n");

            health.remove("cam-1");
            assertThat(health.scrape()).doesNotContain("camera=\"cam-1\"").contains("camera=\"cam-2\"");
            assertThat(health.cameras()).hasSize(1);
            assertThat(health.cameras().get(0).get("camera_id").asText()).isEqualTo("cam-2");
        }
    }

    private static WindowReport windowOf(Instant end, String className) {
        LatencyStats lat = new LatencyStats(10, 20, 18, 30, 40, 45);
        return new WindowReport("cam-1", "m/1", "object-detection", end.minusSeconds(5), end, 10, 10, 0, 0,
                Map.of(), Map.of(), List.of(), List.of(new ClassStats(className, 7, 5, 0.4, 0.6, 0.9)), lat, lat, lat);
    }

    /**
     * For Prometheus: every counter of a camera is there at 0 before its first event (rate() needs
     * the zero), and a class's last-window gauges go when the class leaves (they would repeat a
     * stale value); its counters stay.
     */
    @Test
    void countersStartAtZeroAndTheGaugesOfAClassThatLeftGo() {
        MovingClock clock = new MovingClock(T0);
        try (Health health = new Health(clock)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            String before = health.scrape();
            assertThat(before).contains("edgewatch_frames_dropped_total{camera=\"cam-1\",model=\"m/1\",reason=\"rate_limit\"} 0.0")
                    .contains("edgewatch_inference_errors_total{camera=\"cam-1\",kind=\"timeout\",model=\"m/1\"} 0.0")
                    .contains("edgewatch_decode_errors_total{camera=\"cam-1\",model=\"m/1\"} 0.0")
                    .contains("edgewatch_frames_total{camera=\"cam-1\",model=\"m/1\",outcome=\"seen\"} 0.0");

            clock.set(T0.plusSeconds(5));
            health.record(windowOf(clock.instant(), "person"));
            assertThat(health.scrape()).contains("edgewatch_confidence_mean{camera=\"cam-1\",class=\"person\",model=\"m/1\"}");

            clock.set(T0.plusSeconds(10));
            health.record(windowOf(clock.instant(), "car"));
            String after = health.scrape();
            assertThat(after).doesNotContain("edgewatch_confidence_mean{camera=\"cam-1\",class=\"person\"")
                    .doesNotContain("edgewatch_confidence_max{camera=\"cam-1\",class=\"person\"")
                    .contains("edgewatch_confidence_mean{camera=\"cam-1\",class=\"car\",model=\"m/1\"}")
                    .contains("edgewatch_detections_total{camera=\"cam-1\",class=\"person\",model=\"m/1\"} 7.0");

            clock.set(T0.plusSeconds(15));
            health.record(windowOf(clock.instant(), "person"));
            assertThat(health.scrape()).as("a class that comes back gets its gauges again")
                    .contains("edgewatch_confidence_mean{camera=\"cam-1\",class=\"person\",model=\"m/1\"} 0.6");
        }
    }

    @Test
    void aListenerThatBlocksHoldsNoWindowBackAndStillGetsEveryAlertInOrderOnTheAlertsThread() throws Exception {
        AtomicReference<String> problem = new AtomicReference<>();
        MovingClock clock = new MovingClock(T0);
        CountDownLatch release = new CountDownLatch(1);
        List<AlertEvent> heard = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        int windows = 12;
        AtomicInteger recorded = new AtomicInteger();
        CountDownLatch pipelineDone = new CountDownLatch(1);
        try (Health health = new Health(clock)) {
            health.camera("cam-1", "m/1", Duration.ofSeconds(5), new Camera(), null);
            health.storage("outbox", problem::get, Duration.ofSeconds(10));
            // a webhook whose outbox append hangs (a disk that stalls): it blocks until the test lets it go
            health.onAlert(e -> {
                threads.add(Thread.currentThread().getName());
                heard.add(e);
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            });
            // the camera's pipeline thread closes windows; the store fails at windows 2-3 and 8-9: two fires, two clears (10 s later)
            Thread pipeline = new Thread(() -> {
                for (int i = 1; i <= windows; i++) {
                    problem.set(i >= 2 && i <= 3 || i >= 8 && i <= 9 ? "cannot commit: [SQLITE_FULL] database or disk is full" : null);
                    Instant end = T0.plusSeconds(5L * i);
                    clock.set(end);
                    health.record(window(end, 50, 50, 0));
                    recorded.incrementAndGet();
                }
                pipelineDone.countDown();
            }, "pipeline");
            pipeline.start();
            // a bound for a deadlock, not a rate: the pipeline thread never waits for the listener
            pipelineDone.await(60, TimeUnit.SECONDS);
            assertThat(recorded.get()).as("windows closed while a listener blocks").isEqualTo(windows);
            assertThat(heard).as("the listener is still in its first call").hasSize(1);
            release.countDown();
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); heard.size() < 4 && System.nanoTime() < deadline; ) {
                Thread.sleep(20);
            }
            assertThat(heard).as("every alert, in the order raised").extracting(AlertEvent::firing).containsExactly(true, false, true, false);
            assertThat(heard).extracting(AlertEvent::signal).containsOnly("storage_full:outbox");
            assertThat(heard).extracting(AlertEvent::at).isSorted();
            assertThat(threads).as("the listener's thread").allMatch("edgewatch-alerts"::equals);
        }
    }
}
