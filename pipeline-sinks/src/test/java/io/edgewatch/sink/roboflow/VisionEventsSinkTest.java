package io.edgewatch.sink.roboflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.roboflow.VisionEventsSink.CameraEvents;
import io.edgewatch.sink.samples.Sample;
import io.edgewatch.testkit.RoboflowStandIn;
import io.edgewatch.testkit.RoboflowStandIn.Answer;
import io.edgewatch.testkit.RoboflowStandIn.Part;
import io.edgewatch.testkit.RoboflowStandIn.Request;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Vision Events against a stand-in on a real socket that checks every request as §1 and §3 of the wire-format notes say. */
class VisionEventsSinkTest {

    private static final String KEY = "rf_events_key_0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern UUID_V4 = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    private static final Set<String> TYPES = Set.of("quality_check", "inventory_count", "safety_alert", "custom", "operator_feedback");

    @TempDir
    Path dir;
    RoboflowStandIn roboflow;
    Outbox outbox;
    VisionEventsSink sink;
    VisionEvents server;

    @BeforeEach
    void start() {
        roboflow = new RoboflowStandIn("ws");
        server = new VisionEvents();
        roboflow.answer(server);
        outbox = Outbox.open(dir, 10_000, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        if (sink != null) {
            sink.close();
        }
        outbox.close();
        roboflow.close();
        assertThat(server.violations).as("what the stand-in refused").isEmpty();
    }

    /**
     * Vision Events as documented: it checks each request (Bearer, no key in the query, the event
     * schema, source ids it issued), records what breaks the contract and answers 400 for it, 201 otherwise.
     */
    static final class VisionEvents implements Function<Request, Answer> {
        final List<String> violations = new CopyOnWriteArrayList<>();
        final Map<String, String> useCases = new ConcurrentHashMap<>();
        final Set<String> sources = ConcurrentHashMap.newKeySet();
        final AtomicInteger failEvents = new AtomicInteger();

        @Override
        public Answer apply(Request r) {
            List<String> wrong = new ArrayList<>();
            if (!("Bearer " + KEY).equals(r.headers().get("authorization"))) {
                wrong.add("no Bearer key");
            }
            if (!r.query().isEmpty()) {
                wrong.add("a query: " + r.query());
            }
            Answer a = wrong.isEmpty() ? route(r, wrong) : null;
            if (!wrong.isEmpty()) {
                violations.add(r.method() + " " + r.path() + ": " + wrong);
                return Answer.status(400);
            }
            return a;
        }

        private Answer route(Request r, List<String> wrong) {
            try {
                switch (r.method() + " " + r.path()) {
                    case "GET /vision-events/use-cases": {
                        StringBuilder list = new StringBuilder();
                        useCases.forEach((name, id) -> list.append(list.length() == 0 ? "" : ",")
                                .append("{\"id\":\"").append(id).append("\",\"name\":\"").append(name).append("\",\"status\":\"active\"}"));
                        return Answer.ok("{\"useCases\":[" + list + "],\"lookbackDays\":14}");
                    }
                    case "POST /vision-events/use-cases": {
                        String name = JSON.readTree(r.body()).path("name").asText();
                        String id = "uc-" + (useCases.size() + 7);
                        useCases.put(name, id);
                        return created("{\"id\":\"" + id + "\",\"name\":\"" + name + "\"}");
                    }
                    case "POST /vision-events/upload": {
                        List<Part> parts = r.parts();
                        Part file = parts.stream().filter(p -> "file".equals(p.disposition("name"))).findFirst().orElse(null);
                        if (file == null || file.content().length < 4 || (file.content()[0] & 0xff) != 0xff
                                || (file.content()[1] & 0xff) != 0xd8) {
                            wrong.add("no JPEG in a part 'file'");
                            return null;
                        }
                        String id = "s" + (sources.size() + 1);
                        sources.add(id);
                        return created("{\"success\":true,\"sourceId\":\"" + id + "\"}");
                    }
                    case "POST /vision-events": {
                        check(JSON.readTree(r.body()), wrong);
                        if (wrong.isEmpty() && failEvents.getAndDecrement() > 0) {
                            return Answer.status(503);
                        }
                        return created("{\"eventId\":\"" + JSON.readTree(r.body()).path("eventId").asText() + "\",\"created\":true}");
                    }
                    case "POST /vision-events/batch": {
                        JsonNode events = JSON.readTree(r.body()).path("events");
                        if (!events.isArray() || events.isEmpty() || events.size() > 100) {
                            wrong.add("a batch of " + events.size() + " events");
                        }
                        events.forEach(e -> check(e, wrong));
                        return created("{\"created\":" + events.size() + ",\"eventIds\":[]}");
                    }
                    default:
                        wrong.add("no such endpoint");
                        return null;
                }
            } catch (Exception e) {
                wrong.add(e.toString());
                return null;
            }
        }

        private void check(JsonNode e, List<String> wrong) {
            if (!UUID_V4.matcher(e.path("eventId").asText()).matches()) {
                wrong.add("eventId not a UUID v4: " + e.path("eventId"));
            }
            if (!TYPES.contains(e.path("eventType").asText())) {
                wrong.add("eventType " + e.path("eventType"));
            }
            if (!useCases.containsValue(e.path("useCaseId").asText()) && !"uc-given".equals(e.path("useCaseId").asText())) {
                wrong.add("useCaseId " + e.path("useCaseId"));
            }
            String ts = e.path("timestamp").asText();
            if (!ts.endsWith("Z")) {
                wrong.add("timestamp without a zone: " + ts);
            } else {
                Instant t = OffsetDateTime.parse(ts).toInstant();
                if (t.isBefore(Instant.now().minus(Duration.ofDays(365))) || t.isAfter(Instant.now().plus(Duration.ofDays(1)))) {
                    wrong.add("timestamp out of range: " + ts);
                }
            }
            if (!e.path("eventData").isObject()) {
                wrong.add("no eventData");
            }
            JsonNode meta = e.path("customMetadata");
            if (meta.size() > 100) {
                wrong.add(meta.size() + " metadata keys");
            }
            meta.properties().forEach(f -> {
                if (!f.getKey().matches("[a-zA-Z0-9_ -]{1,100}") || f.getValue().isTextual() && f.getValue().asText().length() > 1000
                        || f.getValue().isContainerNode()) {
                    wrong.add("metadata " + f.getKey() + "=" + f.getValue());
                }
            });
            for (JsonNode image : e.path("images")) {
                if (!sources.contains(image.path("sourceId").asText())) {
                    wrong.add("a sourceId never issued: " + image.path("sourceId"));
                }
                JsonNode boxes = image.path("objectDetections");
                if (boxes.size() > 1000) {
                    wrong.add(boxes.size() + " detections");
                }
                for (JsonNode b : boxes) {
                    for (String k : List.of("class", "x", "y", "width", "height", "confidence")) {
                        if (!b.has(k)) {
                            wrong.add("a box without " + k);
                        }
                    }
                    if (b.path("confidence").asDouble() < 0 || b.path("confidence").asDouble() > 1) {
                        wrong.add("confidence " + b.path("confidence"));
                    }
                }
            }
        }

        private static Answer created(String body) {
            return new Answer(201, Map.of(), body, Duration.ZERO);
        }
    }

    private VisionEventsSink open(String useCaseId, String useCaseName, Duration linger, CameraEvents camera) {
        return open(useCaseId, useCaseName, linger, id -> "cam-1".equals(id) ? camera : null);
    }

    private VisionEventsSink open(String useCaseId, String useCaseName, Duration linger, Function<String, CameraEvents> cameras) {
        VisionEventsOptions o = VisionEventsOptions.of(KEY, roboflow.url(), useCaseId, useCaseName, "edge-box-01")
                .withRetry(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofMillis(300))
                .withResponseTimeout(Duration.ofSeconds(2))
                .withBatching(VisionEventsOptions.MAX_BATCH, linger);
        return new VisionEventsSink(outbox, o, cameras);
    }

    private static CameraEvents camera(String type, Duration cooldown, Set<String> fail) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("site", "Plant 7");
        metadata.put("production_line", "3");
        return new CameraEvents(type, true, true, true, cooldown, fail, metadata);
    }

    private static final Instant T0 = Instant.now().minusSeconds(3600);

    private static WindowReport window(int i, String... classes) {
        Instant end = T0.plusSeconds(5L * i);
        List<ClassResult> best = new ArrayList<>();
        List<ClassStats> stats = new ArrayList<>();
        for (String c : classes) {
            best.add(new ClassResult("ppe/3", c, 0.875, "inf-" + i, "object-detection"));
            stats.add(new ClassStats(c, 4, 3, 0.4, 0.6, 0.875));
        }
        return new WindowReport("cam-1", "ppe/3", "object-detection", end.minusSeconds(5), end, 25, 20, 5, 0, Map.of(), Map.of(), best,
                stats, LatencyStats.EMPTY, LatencyStats.EMPTY, LatencyStats.EMPTY);
    }

    private static Sample sample(int i) {
        Instant at = T0.plusSeconds(i);
        return new Sample(Sample.id(at, 7 + i), "cam-1", at, "unsure", List.of(), "ppe/3", "inf-" + i, 320, 240,
                List.of(Prediction.detection("helmet", 0.52, new Box(100, 80, 40, 30)),
                        Prediction.detection("", 1.2, new Box(200.5, 120, 60, 110))));
    }

    private static final byte[] JPEG = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, (byte) 0xff,
        (byte) 0xd9};

    @Test
    void hundredAndOneWindowsGoAsOneBatchOfAHundredThenOneEventAndTheUseCaseIsMadeOnce() throws Exception {
        sink = open(null, "Dock safety", Duration.ofMillis(400), camera("custom", Duration.ZERO, Set.of()));
        // 101 windows (of several cameras' pipelines at once): each write completes once its event is committed
        Flux.range(0, 101).flatMap(i -> sink.write(window(i, "person", "helmet"))).blockLast(Duration.ofSeconds(10));
        assertThat(outbox.stats().depth() + roboflow.to("/vision-events/batch").size()).isGreaterThanOrEqualTo(1);
        await(() -> outbox.stats().depth() == 0 && roboflow.to("/vision-events").size() == 4);

        assertThat(roboflow.requests).extracting(r -> r.method() + " " + r.path()).containsExactly(
                "GET /vision-events/use-cases", "POST /vision-events/use-cases", "POST /vision-events/batch", "POST /vision-events");
        assertThat(JSON.readTree(roboflow.requests.get(1).body()).path("name").asText()).isEqualTo("Dock safety");
        Request batch = roboflow.requests.get(2);
        assertThat(batch.headers().get("content-type")).isEqualTo("application/json");
        JsonNode events = JSON.readTree(batch.body()).path("events");
        assertThat(events).hasSize(100);
        Set<String> ids = new HashSet<>();
        events.forEach(e -> ids.add(e.path("eventId").asText()));
        ids.add(JSON.readTree(roboflow.requests.get(3).body()).path("eventId").asText());
        assertThat(ids).hasSize(101);

        JsonNode first = events.get(0);
        assertThat(first.path("eventType").asText()).isEqualTo("custom");
        assertThat(first.path("useCaseId").asText()).isEqualTo("uc-7");
        assertThat(first.path("deviceId").asText()).isEqualTo("edge-box-01");
        assertThat(first.path("streamId").asText()).isEqualTo("cam-1");
        assertThat(first.path("timestamp").asText()).isEqualTo(window(0).windowEnd().truncatedTo(ChronoUnit.MILLIS).toString());
        assertThat(first.path("eventData").path("value").asText()).isEqualTo("4 person, 4 helmet");
        JsonNode meta = first.path("customMetadata");
        assertThat(meta.path("site").asText()).isEqualTo("Plant 7");
        assertThat(meta.path("production_line").asText()).isEqualTo("3");
        assertThat(meta.path("model").asText()).isEqualTo("ppe/3");
        assertThat(meta.path("frames_inferred").asLong()).isEqualTo(20);
        assertThat(meta.path("count person").asLong()).isEqualTo(4);
        assertThat(meta.path("best helmet").asDouble()).isEqualTo(0.875);
        assertThat(first.has("images")).isFalse();
        // in order: the single event is the 101st window
        assertThat(JSON.readTree(roboflow.requests.get(3).body()).path("timestamp").asText())
                .isEqualTo(window(100).windowEnd().truncatedTo(ChronoUnit.MILLIS).toString());
        System.out.println("batch as received: POST " + batch.uri() + " (" + events.size() + " events), the first:\n" + first);

        // a second sink on the same use case looks it up and finds it
        sink.close();
        sink = open(null, "Dock safety", Duration.ofMillis(50), camera("custom", Duration.ZERO, Set.of()));
        sink.write(window(200, "person")).block(Duration.ofSeconds(10));
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 6);
        assertThat(roboflow.requests.subList(4, 6)).extracting(r -> r.method() + " " + r.path())
                .containsExactly("GET /vision-events/use-cases", "POST /vision-events");
        assertThat(JSON.readTree(roboflow.requests.get(5).body()).path("useCaseId").asText()).isEqualTo("uc-7");
    }

    @Test
    void aSampleUploadsItsImageFirstAndItsEventReferencesTheSourceIdWithCentreBasedBoxes() throws Exception {
        sink = open("uc-given", null, Duration.ofMillis(50), camera("custom", Duration.ZERO, Set.of()));
        Sample s = sample(0);
        sink.samples().accept(s, JPEG);
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 2);

        Request upload = roboflow.requests.get(0);
        assertThat(upload.method() + " " + upload.uri()).isEqualTo("POST /vision-events/upload");
        List<Part> parts = upload.parts();
        assertThat(parts).extracting(p -> p.disposition("name")).containsExactly("file", "name");
        assertThat(parts.get(0).disposition("filename")).isEqualTo("cam-1-" + s.id() + ".jpg");
        assertThat(parts.get(0).headers().get("content-type")).isEqualTo("image/jpeg");
        assertThat(parts.get(0).content()).isEqualTo(JPEG);
        assertThat(parts.get(1).text()).isEqualTo("cam-1-" + s.id() + ".jpg");

        Request event = roboflow.requests.get(1);
        assertThat(event.method() + " " + event.uri()).isEqualTo("POST /vision-events");
        JsonNode e = JSON.readTree(event.body());
        assertThat(e.path("useCaseId").asText()).isEqualTo("uc-given");
        assertThat(e.path("timestamp").asText()).isEqualTo(s.at().truncatedTo(ChronoUnit.MILLIS).toString());
        assertThat(e.path("displayImagePosition").asInt()).isZero();
        JsonNode image = e.path("images").get(0);
        assertThat(image.path("sourceId").asText()).isEqualTo("s1");
        JsonNode boxes = image.path("objectDetections");
        assertThat(boxes).hasSize(2);
        assertThat(boxes.get(0).path("class").asText()).isEqualTo("helmet");
        assertThat(boxes.get(0).path("x").asDouble()).isEqualTo(100.0);
        assertThat(boxes.get(0).path("y").asDouble()).isEqualTo(80.0);
        assertThat(boxes.get(0).path("width").asDouble()).isEqualTo(40.0);
        assertThat(boxes.get(0).path("confidence").asDouble()).isEqualTo(0.52);
        assertThat(boxes.get(1).path("class").asText()).isEqualTo("unknown");
        assertThat(boxes.get(1).path("confidence").asDouble()).isEqualTo(1.0);
        assertThat(e.path("customMetadata").path("strategy").asText()).isEqualTo("unsure");
        assertThat(e.path("customMetadata").path("sample").asText()).isEqualTo(s.id());
        System.out.println("upload as received: POST " + upload.uri() + "\n" + upload.headers().get("content-type") + "\nparts: "
                + parts.stream().map(x -> x.headers() + " (" + x.content().length + " bytes)").toList()
                + "\nevent as received: POST " + event.uri() + "\n" + event.body());
    }

    @Test
    void aRetryResendsTheSameEventIdAndSourceIdWithoutUploadingAgain() throws Exception {
        server.failEvents.set(2);
        sink = open("uc-given", null, Duration.ofMillis(50), camera("custom", Duration.ZERO, Set.of()));
        sink.samples().accept(sample(0), JPEG);
        await(() -> outbox.stats().depth() == 0 && roboflow.to("/vision-events").size() == 4);
        assertThat(roboflow.to("/vision-events/upload")).hasSize(1);
        List<Request> events = roboflow.requests.stream().filter(r -> r.path().equals("/vision-events")).toList();
        assertThat(events).hasSize(3);
        Set<String> ids = new HashSet<>();
        Set<String> sources = new HashSet<>();
        for (Request r : events) {
            ids.add(JSON.readTree(r.body()).path("eventId").asText());
            sources.add(JSON.readTree(r.body()).path("images").get(0).path("sourceId").asText());
        }
        assertThat(ids).hasSize(1);
        assertThat(sources).containsExactly("s1");
        assertThat(outbox.deadLetters()).isZero();
    }

    @Test
    void anAlertFiringAndClearingBecomesSafetyAlertsWithSeverity() throws Exception {
        sink = open("uc-given", null, Duration.ofMillis(50), camera("custom", Duration.ZERO, Set.of()));
        Instant at = Instant.now().minusSeconds(30);
        sink.alert("cam-1", "confidence_drop", true, at, 0.82, 0.41, "cam-1: mean confidence 0.41 against 0.82");
        sink.alert("cam-1", "source_down", true, at.plusSeconds(1), Double.NaN, Double.NaN, "cam-1: the camera is down");
        sink.alert("cam-1", "confidence_drop", false, at.plusSeconds(2), 0.82, 0.80, "cam-1: mean confidence 0.80");
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 3);
        List<JsonNode> alerts = new ArrayList<>();
        for (Request r : roboflow.requests) {
            assertThat(r.path()).isEqualTo("/vision-events");
            alerts.add(JSON.readTree(r.body()));
        }
        assertThat(alerts).extracting(a -> a.path("eventType").asText()).containsOnly("safety_alert");
        assertThat(alerts).extracting(a -> a.path("eventData").path("severity").asText()).containsExactly("medium", "high", "low");
        JsonNode fired = alerts.get(0);
        assertThat(fired.path("eventData").path("alertType").asText()).isEqualTo("confidence_drop");
        assertThat(fired.path("eventData").path("description").asText()).isEqualTo("cam-1: mean confidence 0.41 against 0.82");
        assertThat(fired.path("customMetadata").path("firing").asBoolean()).isTrue();
        assertThat(fired.path("customMetadata").path("baseline").asDouble()).isEqualTo(0.82);
        assertThat(fired.path("customMetadata").path("current").asDouble()).isEqualTo(0.41);
        assertThat(fired.path("customMetadata").path("site").asText()).isEqualTo("Plant 7");
        assertThat(alerts.get(1).path("customMetadata").has("baseline")).isFalse();
        assertThat(alerts.get(2).path("eventData").path("description").asText()).startsWith("cleared: ");
        assertThat(alerts.get(2).path("customMetadata").path("firing").asBoolean()).isFalse();
        System.out.println("alert as received: POST " + roboflow.requests.get(0).uri() + "\n" + roboflow.requests.get(0).body());
    }

    @Test
    void withinTheCooldownASecondEventMakesNoRequest() throws Exception {
        sink = open("uc-given", null, Duration.ofMillis(50), camera("custom", Duration.ofSeconds(30), Set.of()));
        sink.write(window(0, "person")).block(Duration.ofSeconds(10));
        sink.write(window(1, "person")).block(Duration.ofSeconds(10));
        sink.samples().accept(sample(0), JPEG);
        sink.samples().accept(sample(1), JPEG);
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 3);
        Thread.sleep(400);
        assertThat(roboflow.requests).extracting(r -> r.method() + " " + r.path())
                .containsExactly("POST /vision-events", "POST /vision-events/upload", "POST /vision-events");
        assertThat(sink.throttled()).isEqualTo(2);
    }

    @Test
    void aQualityCheckFailsOnTheConfiguredClassesAndPassesOtherwise() throws Exception {
        sink = open("uc-given", null, Duration.ofMillis(300), camera("quality_check", Duration.ZERO, Set.of("no_helmet")));
        Flux.concat(Mono.just(window(0, "person", "no_helmet")), Mono.just(window(1, "person"))).flatMap(sink::write)
                .blockLast(Duration.ofSeconds(10));
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 1);
        JsonNode events = JSON.readTree(roboflow.requests.get(0).body()).path("events");
        assertThat(events).extracting(e -> e.path("eventType").asText()).containsExactly("quality_check", "quality_check");
        assertThat(events).extracting(e -> e.path("eventData").path("result").asText()).containsExactly("fail", "pass");
    }

    @Test
    void whileTheUplinkIsDownEventsWaitInTheOutboxAndEachArrivesOnceInOrder() throws Exception {
        sink = open("uc-given", null, Duration.ofMillis(20), camera("custom", Duration.ZERO, Set.of()));
        roboflow.stop();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sink.write(window(i, "person")).block(Duration.ofSeconds(10));
            written.add(window(i).windowEnd().truncatedTo(ChronoUnit.MILLIS).toString());
            Thread.sleep(60);
        }
        Thread.sleep(500);
        assertThat(outbox.stats().depth()).isEqualTo(5);
        roboflow.start();
        await(() -> outbox.stats().depth() == 0);
        List<String> received = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Request r : roboflow.requests) {
            JsonNode body = JSON.readTree(r.body());
            for (JsonNode e : r.path().endsWith("/batch") ? body.path("events") : List.of(body)) {
                received.add(e.path("timestamp").asText());
                ids.add(e.path("eventId").asText());
            }
        }
        assertThat(received).containsExactlyElementsOf(written);
        assertThat(ids).hasSize(5).allMatch(id -> UUID.fromString(id).version() == 4);
    }

    @Test
    void aDaemonAlertHasNoCameraAndGoesWithoutCameraFieldsAndTheOutboxTakesWhatFollows() throws Exception {
        // the daemon hands its own alerts (storage_full, delivery_stopped) with a null camera and looks cameras up in a
        // ConcurrentHashMap, which throws on a null key; with a lookup that answers null, the entry had a null camera id
        Map<String, CameraEvents> cameras = new ConcurrentHashMap<>(Map.of("cam-1", camera("custom", Duration.ZERO, Set.of())));
        sink = open("uc-given", null, Duration.ofMillis(50), cameras::get);
        Instant at = Instant.now().minusSeconds(30);
        sink.alert(null, "delivery_stopped:roboflow", true, at, Double.NaN, Double.NaN, "delivery to roboflow stopped: 401");
        sink.write(window(0, "person")).block(Duration.ofSeconds(10));
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 2);
        assertThat(outbox.storageProblem()).isNull();
        JsonNode alert = roboflow.requests.stream().map(r -> {
            try {
                return JSON.readTree(r.body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).filter(b -> "safety_alert".equals(b.path("eventType").asText())).findFirst().orElseThrow();
        assertThat(alert.path("eventData").path("alertType").asText()).isEqualTo("delivery_stopped:roboflow");
        assertThat(alert.path("eventData").path("severity").asText()).isEqualTo("high");
        assertThat(alert.has("streamId")).as("no camera fields").isFalse();
        assertThat(alert.path("deviceId").asText()).isEqualTo("edge-box-01");
        assertThat(alert.path("customMetadata").has("site")).as("no camera's metadata").isFalse();
        assertThat(alert.path("customMetadata").path("firing").asBoolean()).isTrue();
    }

    @Test
    void aCamerasEventsGoInTheOrderTheyHappenedAWindowWaitingForCompanyBeforeTheAlertAfterIt() throws Exception {
        // window events waited up to linger for company while samples and alerts were committed at once: the alert
        // raised after a window reached Vision Events before it
        sink = open("uc-given", null, Duration.ofSeconds(5), camera("custom", Duration.ZERO, Set.of()));
        java.util.concurrent.CompletableFuture<Void> window = sink.write(window(0, "person")).toFuture();
        sink.alert("cam-1", "confidence_drop", true, Instant.now().minusSeconds(10), 0.8, 0.4, "cam-1: mean confidence 0.4");
        sink.samples().accept(sample(1), JPEG);
        window.get(10, java.util.concurrent.TimeUnit.SECONDS);
        await(() -> outbox.stats().depth() == 0 && roboflow.requests.size() == 4);
        assertThat(roboflow.requests).extracting(r -> {
            try {
                return r.path() + " " + (r.path().equals("/vision-events") ? JSON.readTree(r.body()).path("eventType").asText() : "");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).containsExactly("/vision-events custom", "/vision-events safety_alert", "/vision-events/upload ", "/vision-events custom");
    }

    @Test
    void oneEventTheServerRefusesIsSetAsideAloneTheOthersOfItsBatchAreDelivered() throws Exception {
        // a 400 for one event dead-lettered its whole batch, up to 100 events of several cameras
        roboflow.answer(r -> r.body().contains("\"count refused\"") ? Answer.status(400) : server.apply(r));
        sink = open("uc-given", null, Duration.ofMillis(300), camera("custom", Duration.ZERO, Set.of()));
        Flux.concat(Mono.just(window(0, "person")), Mono.just(window(1, "refused")), Mono.just(window(2, "helmet")))
                .flatMap(sink::write).blockLast(Duration.ofSeconds(10));
        await(() -> outbox.stats().depth() == 0);
        List<String> delivered = new ArrayList<>();
        for (Request r : roboflow.requests) {
            if (r.path().equals("/vision-events") && !r.body().contains("\"count refused\"")) {
                delivered.add(JSON.readTree(r.body()).path("eventData").path("value").asText());
            }
        }
        assertThat(delivered).containsExactly("4 person", "4 helmet");
        assertThat(outbox.deadLetterList(10)).singleElement().satisfies(d -> assertThat(d.status()).isEqualTo(400));
        assertThat(outbox.deadLetters()).isEqualTo(1);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(20);
        }
    }
}
