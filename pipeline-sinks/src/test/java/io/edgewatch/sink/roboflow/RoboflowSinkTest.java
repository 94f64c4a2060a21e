package io.edgewatch.sink.roboflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxSender;
import io.edgewatch.testkit.RoboflowStandIn;
import io.edgewatch.testkit.RoboflowStandIn.Answer;

class RoboflowSinkTest {

    private static final String KEY = "rf_live_key_0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    RoboflowStandIn roboflow;
    Outbox outbox;
    RoboflowSink sink;
    ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void start() {
        roboflow = new RoboflowStandIn("my-ws");
        outbox = Outbox.open(dir, 10_000, Clock.systemUTC());
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(OutboxSender.class)).addAppender(logs);
        ((Logger) LoggerFactory.getLogger(RoboflowSink.class)).addAppender(logs);
    }

    @AfterEach
    void stop() {
        if (sink != null) {
            sink.close();
        }
        outbox.close();
        roboflow.close();
        ((Logger) LoggerFactory.getLogger(OutboxSender.class)).detachAppender(logs);
        ((Logger) LoggerFactory.getLogger(RoboflowSink.class)).detachAppender(logs);
    }

    private RoboflowOptions options(String workspace) {
        return RoboflowOptions.of(KEY, roboflow.url(), workspace, "edge-01")
                .withRetry(Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofMillis(300))
                .withResponseTimeout(Duration.ofSeconds(2));
    }

    private static WindowReport window(String camera, int i, ClassResult... results) {
        Instant end = Instant.parse("2026-11-10T12:00:05.123456Z").plusSeconds(5L * i);
        return new WindowReport(camera, "construction-safety/10", "object-detection", end.minusSeconds(5), end,
                10, 10, 0, 0, Map.of(), Map.of(), List.of(results), List.of(), LatencyStats.EMPTY, LatencyStats.EMPTY, LatencyStats.EMPTY);
    }

    private static ClassResult result(String cls, double conf, String id) {
        return new ClassResult("construction-safety/10", cls, conf, id, "object-detection");
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void sendsTheReferenceBodyAndOneMetadataRequestPerWindowToTheLookedUpWorkspace() throws Exception {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("camera_id", "dock-3");
        metadata.put("location", "toronto");
        metadata.put("line", "2");
        sink = RoboflowSink.start(outbox, options(null), Map.of("dock-3", metadata));
        sink.write(window("dock-3", 0, result("Hardhat", 0.9, "id1"), result("Person", 0.8, "id2"), result("Vest", 0.7, "id1")))
                .block(Duration.ofSeconds(5));
        sink.write(window("dock-3", 1)).block(Duration.ofSeconds(5));
        await(() -> outbox.stats().depth() == 0 && roboflow.to("/my-ws/").size() == 3);

        assertThat(roboflow.to("/?")).hasSize(1).first().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.uri()).isEqualTo("/?api_key=" + KEY + "&nocache=true");
        });
        List<RoboflowStandIn.Request> sent = roboflow.to("/my-ws/");
        RoboflowStandIn.Request report = sent.get(0);
        assertThat(report.method()).isEqualTo("POST");
        assertThat(report.uri()).isEqualTo("/my-ws/inference-stats?api_key=" + KEY);
        assertThat(report.headers()).containsEntry("content-type", "application/json")
                .containsEntry("x-roboflow-inference-version", "edgewatch-0.1.0").containsEntry("x-allow-chunked", "true");
        JsonNode body = JSON.readTree(report.body());
        List<String> keys = new ArrayList<>();
        body.fieldNames().forEachRemaining(keys::add);
        assertThat(keys.subList(0, 6)).containsExactly("timestamp", "source", "source_info", "inference_results",
                "device_id", "inference_server_version");
        assertThat(keys.subList(6, keys.size())).isSubsetOf("platform", "platform_release", "platform_version",
                "architecture", "hostname", "ip_address", "mac_address", "processor").contains("platform", "architecture");
        assertThat(body.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}");
        assertThat(body.get("source").asText()).isEqualTo("workflow");
        assertThat(body.get("source_info").asText()).isEqualTo("ModelMonitoringInferenceAggregatorBlockV1");
        assertThat(body.get("device_id").asText()).isEqualTo("edge-01");
        assertThat(body.get("inference_results").toString()).isEqualTo("["
                + "{\"model_id\":\"construction-safety/10\",\"class_name\":\"Hardhat\",\"confidence\":0.9,\"inference_id\":\"id1\",\"model_type\":\"object-detection\"},"
                + "{\"model_id\":\"construction-safety/10\",\"class_name\":\"Person\",\"confidence\":0.8,\"inference_id\":\"id2\",\"model_type\":\"object-detection\"},"
                + "{\"model_id\":\"construction-safety/10\",\"class_name\":\"Vest\",\"confidence\":0.7,\"inference_id\":\"id1\",\"model_type\":\"object-detection\"}]");

        RoboflowStandIn.Request meta = sent.get(1);
        assertThat(meta.uri()).isEqualTo("/my-ws/inference-stats/metadata?api_key=" + KEY + "&nocache=true");
        assertThat(meta.body()).isEqualTo("{\"data\":["
                + "{\"inference_ids\":[\"id1\",\"id2\"],\"field_name\":\"camera_id\",\"field_value\":\"dock-3\"},"
                + "{\"inference_ids\":[\"id1\",\"id2\"],\"field_name\":\"location\",\"field_value\":\"toronto\"},"
                + "{\"inference_ids\":[\"id1\",\"id2\"],\"field_name\":\"line\",\"field_value\":\"2\"}]}");
        // the empty window: a report with no results, and no metadata request
        JsonNode empty = JSON.readTree(sent.get(2).body());
        assertThat(sent.get(2).uri()).startsWith("/my-ws/inference-stats?");
        assertThat(empty.get("inference_results").size()).isZero();
        // the key is never logged in the clear
        assertThat(logs.list).map(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains(KEY))
                .anyMatch(m -> m.contains("rf***89"));
    }

    @Test
    void aConfiguredWorkspaceSkipsTheLookup() throws Exception {
        sink = RoboflowSink.start(outbox, options("set-ws"), Map.of());
        sink.write(window("c", 0, result("a", 0.5, "x"))).block(Duration.ofSeconds(5));
        await(() -> roboflow.requests.size() == 1 && outbox.stats().depth() == 0);
        assertThat(roboflow.requests.get(0).uri()).startsWith("/set-ws/inference-stats?");
    }

    @Test
    void throughRefusalsServerErrorsRateLimitsAndSlowAnswersEveryWindowArrivesOnceInItsCamerasOrder() throws Exception {
        Iterator<Answer> script = List.of(Answer.status(500), Answer.status(503),
                new Answer(429, Map.of("Retry-After", "1"), "{}", Duration.ZERO),
                new Answer(200, Map.of(), "{}", Duration.ofMillis(800))).iterator();
        List<String> delivered = new CopyOnWriteArrayList<>();
        List<String> failedAttempts = new CopyOnWriteArrayList<>();
        roboflow.answer(r -> {
            if (!r.uri().startsWith("/ws/")) {
                return Answer.ok("{}");
            }
            Answer a;
            synchronized (script) {
                a = script.hasNext() ? script.next() : Answer.ok("{}");
            }
            (a.status() == 200 ? delivered : failedAttempts).add(inferenceId(r));
            return a;
        });
        roboflow.stop(); // refused first
        sink = RoboflowSink.start(outbox, options("ws"), Map.of());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String camera = i % 2 == 0 ? "cam-a" : "cam-b";
            String id = camera + "-" + i;
            expected.add(id);
            sink.write(window(camera, i, result("person", 0.5, id))).block(Duration.ofSeconds(5));
        }
        assertThat(outbox.stats().depth()).isEqualTo(12);
        Thread.sleep(300);
        roboflow.start();
        await(() -> outbox.stats().depth() == 0);
        // each camera's windows in the order they were accepted, each once; the cameras interleave as they may
        for (String camera : List.of("cam-a", "cam-b")) {
            assertThat(delivered).filteredOn(id -> id.startsWith(camera + "-"))
                    .containsExactlyElementsOf(expected.stream().filter(id -> id.startsWith(camera + "-")).toList());
        }
        assertThat(delivered).hasSize(12);
        // the three error answers went to the cameras' first windows, which were retried until delivered
        assertThat(failedAttempts).hasSize(3).isSubsetOf(expected.get(0), expected.get(1));
        assertThat(outbox.stats().retries()).isGreaterThanOrEqualTo(4);
        assertThat(outbox.stats().delivered()).isEqualTo(12);
    }

    @Test
    void severalRequestsAreInFlightAtOnceButNeverTwoOfOneCamera() throws Exception {
        // every answer takes 300 ms: one request at a time would put 300 ms between any two arrivals
        Duration slow = Duration.ofMillis(300);
        Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
        List<Long> all = new CopyOnWriteArrayList<>();
        roboflow.answer(r -> {
            if (!r.uri().startsWith("/ws/")) {
                return Answer.ok("{}");
            }
            long now = System.nanoTime();
            String id = inferenceId(r);
            arrivals.computeIfAbsent(id.substring(0, id.lastIndexOf('-')), k -> new CopyOnWriteArrayList<>()).add(now);
            all.add(now);
            return new Answer(200, Map.of(), "{}", slow);
        });
        roboflow.stop();
        sink = RoboflowSink.start(outbox, options("ws"), Map.of());
        List<String> cameras = List.of("dock-1", "dock-2", "dock-3", "dock-4", "dock-5", "dock-6");
        for (int i = 0; i < 3; i++) {
            for (String camera : cameras) {
                sink.write(window(camera, i, result("person", 0.5, camera + "-" + i))).block(Duration.ofSeconds(5));
            }
        }
        roboflow.start();
        await(() -> outbox.stats().depth() == 0);
        assertThat(all).hasSize(18);
        List<Long> sorted = all.stream().sorted().toList();
        long overlapping = 0;
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i) - sorted.get(i - 1) < slow.toNanos() / 2) {
                overlapping++;
            }
        }
        assertThat(overlapping).as("requests that arrived while another was still unanswered").isPositive();
        // at most the default four at once: every fifth arrival in time comes after the first answer of its group
        for (int i = OutboxSender.DEFAULT_MAX_IN_FLIGHT; i < sorted.size(); i++) {
            assertThat(sorted.get(i) - sorted.get(i - OutboxSender.DEFAULT_MAX_IN_FLIGHT)).isGreaterThanOrEqualTo(slow.toNanos());
        }
        arrivals.forEach((camera, times) -> {
            assertThat(times).as(camera).hasSize(3);
            for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).as("%s: its next window waits for the answer to the last", camera)
                        .isGreaterThanOrEqualTo(slow.toNanos());
            }
        });
    }

    private static String inferenceId(RoboflowStandIn.Request r) {
        try {
            return JSON.readTree(r.body()).get("inference_results").get(0).get("inference_id").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void unauthorizedStopsTheDestinationKeepsTheDataAndResumesWhenFixed() throws Exception {
        roboflow.answer(r -> Answer.status(401));
        sink = RoboflowSink.start(outbox, options("ws"), Map.of());
        sink.write(window("c", 0, result("a", 0.5, "x"))).block(Duration.ofSeconds(5));
        sink.write(window("c", 1, result("a", 0.6, "y"))).block(Duration.ofSeconds(5));
        await(() -> roboflow.requests.size() >= 2 && sink.stopped());
        assertThat(outbox.stats().depth()).isEqualTo(2);
        List<String> errors = logs.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("stopped")).toList();
        assertThat(errors).first().asString()
                .contains("Unauthorized access to roboflow API - check API key")
                .contains("api_key=rf***89")
                .doesNotContain(KEY);
        // probes at the slow interval, logging the stop only once
        assertThat(errors).hasSize(1);
        roboflow.answer(r -> Answer.ok("{}"));
        await(() -> outbox.stats().depth() == 0);
        assertThat(sink.stopped()).isFalse();
        assertThat(roboflow.to("/ws/").stream().filter(r -> r.body().contains("\"y\"")).count()).isEqualTo(1);
    }

    @Test
    void aRedirectToAnotherHostIsNeverADeliveryItStopsTheDestinationAndKeepsTheData() throws Exception {
        for (int status : new int[] {301, 302, 307, 308}) {
            roboflow.answer(r -> new Answer(status, Map.of("Location", "http://elsewhere.example/ws/inference-stats?api_key=" + KEY
                    + "&sig=s3cr3t"), "", Duration.ZERO));
            outbox.close();
            outbox = Outbox.open(dir.resolve("s" + status), 10_000, Clock.systemUTC());
            sink = RoboflowSink.start(outbox, options("ws"), Map.of("c", Map.of("line", "1")));
            sink.write(window("c", 0, result("a", 0.5, "x"))).block(Duration.ofSeconds(5));
            int before = roboflow.requests.size();
            await(() -> sink.stopped());
            assertThat(outbox.stats().depth()).as("HTTP %d: the report and its metadata stay", status).isEqualTo(2);
            assertThat(outbox.stats().delivered()).as("HTTP %d is not a delivery", status).isZero();
            assertThat(sink.stopReason()).contains("HTTP " + status + " redirect to http://elsewhere.example/ws/inference-stats?…")
                    .contains("never followed").doesNotContain(KEY).doesNotContain("s3cr3t");
            // probed again every probe_interval, never sent on to the other host
            await(() -> roboflow.requests.size() >= before + 2);
            assertThat(roboflow.requests).allSatisfy(r -> assertThat(r.uri()).doesNotContain("elsewhere"));
            roboflow.answer(r -> Answer.ok("{}"));
            await(() -> outbox.stats().depth() == 0);
            assertThat(sink.stopped()).isFalse();
            sink.close();
            sink = null;
        }
    }

    @Test
    void aCloseLetsTheDeliveryInFlightFinishSoAnAnsweredReportIsNotSentAgain() throws Exception {
        roboflow.answer(r -> new Answer(200, Map.of(), "{}", Duration.ofMillis(1500)));
        sink = RoboflowSink.start(outbox, options("ws"), Map.of());
        sink.write(window("c", 0, result("a", 0.5, "x"))).block(Duration.ofSeconds(5));
        await(() -> roboflow.requests.size() == 1);
        sink.close(Duration.ofSeconds(5));
        sink = null;
        assertThat(outbox.stats().depth()).as("answered 200 during the stop: deleted").isZero();
        assertThat(outbox.stats().delivered()).isEqualTo(1);
        assertThat(logs.list).noneMatch(e -> e.getThrowableProxy() != null);
    }

    @Test
    void aCloseDeliversWhatIsQueuedWithinTheGraceSoTheLastWindowsOfACleanStopAreNotLeftBehind() throws Exception {
        roboflow.answer(r -> new Answer(200, Map.of(), "{}", Duration.ofMillis(200)));
        sink = RoboflowSink.start(outbox, options("ws"), Map.of());
        for (int i = 0; i < 4; i++) {
            sink.write(window("c", i)).block(Duration.ofSeconds(5));
        }
        sink.close(Duration.ofSeconds(10));
        sink = null;
        assertThat(outbox.stats().depth()).as("queued at the stop, the receiver answering: all sent").isZero();
        assertThat(roboflow.to("/ws/inference-stats?")).hasSize(4);
    }

    @Test
    void aCloseWhileTheReceiverFailsDoesNotWaitOutTheGraceAndKeepsEverything() throws Exception {
        roboflow.answer(r -> Answer.status(503));
        sink = RoboflowSink.start(outbox, options("ws").withRetry(Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(4)), Map.of());
        for (int i = 0; i < 3; i++) {
            sink.write(window("c", i)).block(Duration.ofSeconds(5));
        }
        await(() -> roboflow.to("/ws/inference-stats?").size() == 1 && outbox.stats().retries() == 1);
        sink.close(Duration.ofSeconds(30));
        sink = null;
        // backing off: the stop ends the drain instead of waiting (within its 30 s grace) for the next try
        assertThat(roboflow.to("/ws/inference-stats?")).as("no attempt during the stop").hasSize(1);
        assertThat(outbox.stats().depth()).isEqualTo(3);
    }

    @Test
    void aCloseAbandonsADeliveryThatOutlivesTheGraceAndKeepsItsEntry() throws Exception {
        roboflow.answer(r -> new Answer(200, Map.of(), "{}", Duration.ofSeconds(4)));
        sink = RoboflowSink.start(outbox, options("ws").withResponseTimeout(Duration.ofSeconds(10)), Map.of());
        sink.write(window("c", 0, result("a", 0.5, "x"))).block(Duration.ofSeconds(5));
        await(() -> roboflow.requests.size() == 1);
        sink.close(Duration.ofMillis(300));
        sink = null;
        assertThat(outbox.stats().depth()).as("unanswered at the end of the grace: kept for the next start").isEqualTo(1);
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().contains("still unanswered"));
    }

    @Test
    void hugeAndMalformedAnswersDoNotBreakTheSender() throws Exception {
        String huge = "x".repeat(5_000_000);
        roboflow.answer(r -> r.uri().startsWith("/?") ? Answer.ok("not json {") : Answer.ok(huge));
        sink = RoboflowSink.start(outbox, options("ws"), Map.of());
        for (int i = 0; i < 3; i++) {
            sink.write(window("c", i, result("a", 0.5, "id" + i))).block(Duration.ofSeconds(5));
        }
        await(() -> outbox.stats().depth() == 0);
        assertThat(roboflow.to("/ws/")).hasSize(3);

        // a lookup answered with garbage is a configuration problem: the destination stops, data kept
        sink.close();
        sink = RoboflowSink.start(outbox, options(null), Map.of());
        sink.write(window("c", 9, result("a", 0.5, "id9"))).block(Duration.ofSeconds(5));
        await(sink::stopped);
        assertThat(outbox.stats().depth()).isEqualTo(1);
        assertThat(logs.list).map(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("did not name a workspace: check your API key"));
    }

    @Test
    void aRequestTheServerWillNeverAcceptIsSetAsideSoTheRestFlows() throws Exception {
        roboflow.answer(r -> r.body().contains("\"bad\"") ? Answer.status(400) : Answer.ok("{}"));
        sink = RoboflowSink.start(outbox, options("ws"), Map.of());
        sink.write(window("c", 0, result("a", 0.5, "bad"))).block(Duration.ofSeconds(5));
        sink.write(window("c", 1, result("a", 0.5, "good"))).block(Duration.ofSeconds(5));
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 2);
        assertThat(outbox.deadLetters()).isEqualTo(1);
    }

    @Test
    void aReportAndItsMetadataAreCommittedTogetherOrNotAtAll() throws Exception {
        // committed one after the other: a kill -9 or a refusal between the two sent the report without its metadata, and
        // the metadata was never made again
        roboflow.stop();
        sink = RoboflowSink.start(outbox, options("my-ws"), Map.of("dock-3", Map.of("line", "2")));
        try (java.sql.Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db"));
             java.sql.Statement s = other.createStatement()) {
            s.execute("CREATE TRIGGER refuse_metadata BEFORE INSERT ON outbox WHEN NEW.kind = 'metadata'"
                    + " BEGIN SELECT RAISE(ABORT, 'metadata refused'); END");
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                    () -> sink.write(window("dock-3", 0, result("Person", 0.8, "id1"))).block(Duration.ofSeconds(5)));
            assertThat(outbox.stats().depth()).as("neither the report nor its metadata").isZero();
            assertThat(refused).as("the window's writer is told").isNotNull().hasMessageContaining("metadata refused");
            s.execute("DROP TRIGGER refuse_metadata");
        }
        sink.write(window("dock-3", 1, result("Person", 0.8, "id2"))).block(Duration.ofSeconds(5));
        assertThat(outbox.oldest(RoboflowSink.DESTINATION, 10)).extracting(e -> e.kind()).containsExactly("report", "metadata");
        assertThat(outbox.oldest(RoboflowSink.DESTINATION, 10).get(1).id())
                .isEqualTo(outbox.oldest(RoboflowSink.DESTINATION, 10).get(0).id() + 1);
    }
}
