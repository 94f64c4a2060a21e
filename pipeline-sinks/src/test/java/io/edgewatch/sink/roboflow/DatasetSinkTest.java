package io.edgewatch.sink.roboflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.samples.Sample;
import io.edgewatch.testkit.RoboflowStandIn;
import io.edgewatch.testkit.RoboflowStandIn.Answer;
import io.edgewatch.testkit.RoboflowStandIn.Part;
import io.edgewatch.testkit.RoboflowStandIn.Request;

/** Samples to a dataset against a stand-in on a real socket, as §2a/2b and §3 of the wire-format notes say. */
class DatasetSinkTest {

    private static final String KEY = "rf_dataset_key_0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    RoboflowStandIn roboflow;
    Outbox outbox;
    DatasetSink sink;
    final List<String> givenBack = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        roboflow = new RoboflowStandIn("ws");
        outbox = Outbox.open(dir, 10_000, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        if (sink != null) {
            sink.close();
        }
        outbox.close();
        roboflow.close();
    }

    private DatasetSink open() {
        DatasetOptions o = DatasetOptions.of(KEY, roboflow.url(), "hard-hats").withBatch("line-3", DatasetOptions.Recreation.DAILY)
                .withRetry(Duration.ofMillis(50), Duration.ofMillis(300), Duration.ofMillis(300));
        o = new DatasetOptions(o.apiKey(), o.apiUrl(), o.project(), o.batchPrefix(), o.recreation(), List.of("edge box"),
                Duration.ofSeconds(2), o.retryMin(), o.retryMax(), o.probeInterval());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("site", "Plant 7");
        metadata.put("line", "3");
        return new DatasetSink(outbox, o, Map.of("cam-1", metadata), ZoneOffset.UTC,
                (camera, strategy, at) -> givenBack.add(camera + "/" + strategy + "/" + at));
    }

    private static Sample sample(int i) {
        Instant at = Instant.parse("2026-12-02T10:15:30Z").plusSeconds(i);
        return new Sample(Sample.id(at, 100 + i), "cam-1", at, "unsure", List.of("low-conf"), "ppe/3", "inf-" + i, 320, 240,
                List.of(Prediction.detection("helmet", 0.52, new Box(100, 80, 40, 30)),
                        Prediction.detection("person", 0.9, new Box(200.5, 120, 60, 110))));
    }

    private static byte[] jpeg(int shade) {
        try (Mat m = new Mat(240, 320, opencv_core.CV_8UC3, new Scalar(shade, 80, 200 - shade, 0)); BytePointer out = new BytePointer()) {
            assertThat(opencv_imgcodecs.imencode(".jpg", m, out)).isTrue();
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    /** Answers as Roboflow does: an id per distinct image, a duplicate for the same bytes again, 409 for a second annotation. */
    private static final class Dataset implements Function<Request, Answer> {
        final Map<String, String> idsByImage = new ConcurrentHashMap<>();
        final Map<String, Boolean> annotated = new ConcurrentHashMap<>();
        final AtomicInteger failAnnotations = new AtomicInteger();

        @Override
        public Answer apply(Request r) {
            if (r.path().endsWith("/upload")) {
                String image = Base64.getEncoder().encodeToString(r.parts().get(1).content());
                String known = idsByImage.get(image);
                if (known != null) {
                    return Answer.ok("{\"duplicate\":true,\"id\":\"" + known + "\"}");
                }
                String id = "i" + (idsByImage.size() + 1);
                idsByImage.put(image, id);
                return Answer.ok("{\"success\":true,\"id\":\"" + id + "\"}");
            }
            if (r.path().contains("/annotate/")) {
                if (failAnnotations.getAndDecrement() > 0) {
                    return Answer.status(500);
                }
                if (annotated.putIfAbsent(r.path(), true) != null) {
                    return new Answer(409, Map.of(), "{\"error\":{\"message\":\"Image was already annotated.\"}}", Duration.ZERO);
                }
                return Answer.ok("{\"success\":true}");
            }
            return Answer.status(404);
        }
    }

    @Test
    void anImageIsUploadedThenItsPredictionsAnnotatedWithTheIdTheServerGave() throws Exception {
        Dataset dataset = new Dataset();
        roboflow.answer(dataset);
        sink = open();
        Sample s = sample(0);
        byte[] image = jpeg(10);
        sink.accept(s, image);
        await(() -> roboflow.requests.size() == 2 && outbox.stats().depth() == 0);

        Request upload = roboflow.requests.get(0);
        assertThat(upload.method()).isEqualTo("POST");
        assertThat(upload.path()).isEqualTo("/dataset/hard-hats/upload");
        // api_key, batch, then each tag in order: configured, the strategy's, camera, metadata values, model, strategy
        assertThat(upload.query()).isEqualTo("api_key=" + KEY + "&batch=line-3_2026_12_02&tag=edge_box&tag=low-conf&tag=cam-1"
                + "&tag=Plant_7&tag=3&tag=ppe-3&tag=unsure");
        List<Part> parts = upload.parts();
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).disposition("name")).isEqualTo("name");
        assertThat(parts.get(0).text()).isEqualTo("cam-1-" + s.id() + ".jpg");
        assertThat(parts.get(1).disposition("name")).isEqualTo("file");
        assertThat(parts.get(1).disposition("filename")).isEqualTo("imageToUpload");
        assertThat(parts.get(1).headers().get("content-type")).isEqualTo("image/jpeg");
        assertThat(parts.get(1).content()).isEqualTo(image);

        Request annotate = roboflow.requests.get(1);
        assertThat(annotate.path()).isEqualTo("/dataset/hard-hats/annotate/i1");
        assertThat(annotate.query()).isEqualTo("api_key=" + KEY + "&name=cam-1-" + s.id() + ".json&prediction=true");
        assertThat(annotate.headers().get("content-type")).isEqualTo("text/plain");
        JsonNode a = JSON.readTree(annotate.body());
        assertThat(a.path("image").path("width").asInt()).isEqualTo(320);
        assertThat(a.path("image").path("height").asInt()).isEqualTo(240);
        assertThat(a.path("predictions")).hasSize(2);
        JsonNode p = a.path("predictions").get(1);
        assertThat(p.path("class").asText()).isEqualTo("person");
        assertThat(p.path("x").asDouble()).isEqualTo(200.5);
        assertThat(p.path("y").asDouble()).isEqualTo(120.0);
        assertThat(p.path("width").asDouble()).isEqualTo(60.0);
        assertThat(p.path("confidence").asDouble()).isEqualTo(0.9);
        assertThat(p.path("class_id").asInt()).isEqualTo(1);
        assertThat(p.path("detection_id").asText()).matches("[0-9a-f-]{36}");
        assertThat(givenBack).isEmpty();
        System.out.println("upload as received: POST " + upload.uri() + "\n" + upload.headers().get("content-type")
                + "\nparts: " + parts.stream().map(x -> x.headers() + " (" + x.content().length + " bytes)").toList()
                + "\nannotate as received: POST " + annotate.uri() + "\n" + annotate.body());
    }

    @Test
    void aSampleMadeOnAClockBeforeTheBuildWaitsForTheStepAndGoesToTheBatchOfTheCorrectedDate() throws Exception {
        Dataset dataset = new Dataset();
        roboflow.answer(dataset);
        outbox.holdWhileClockWrong(new ClockFloor(Instant.parse("2026-12-01T00:00:00Z")), Duration.ofHours(24));
        sink = open();
        Instant wrong = Instant.parse("2018-09-21T10:15:30Z");
        Sample s = sample(0);
        sink.accept(new Sample(s.id(), s.cameraId(), wrong, s.strategy(), s.tags(), s.modelId(), s.inferenceId(), s.width(),
                s.height(), s.predictions()), jpeg(15));
        Thread.sleep(1500);
        assertThat(roboflow.requests).as("held until the clock is corrected").isEmpty();
        Duration step = Duration.between(wrong, Instant.parse("2026-12-02T10:15:30Z"));
        // the outbox's clock is this box's, right: the step is the one that made it so
        outbox.clockStepped(step);
        await(() -> roboflow.requests.size() == 2 && outbox.stats().depth() == 0);
        assertThat(roboflow.requests.get(0).query()).contains("&batch=line-3_2026_12_02&");
    }

    @Test
    void aDuplicateSkipsTheAnnotationAndGivesTheCreditBack() throws Exception {
        Dataset dataset = new Dataset();
        roboflow.answer(dataset);
        sink = open();
        byte[] image = jpeg(20);
        sink.accept(sample(0), image);
        await(() -> roboflow.requests.size() == 2 && outbox.stats().depth() == 0);
        sink.accept(sample(1), image);
        await(() -> roboflow.requests.size() == 3 && outbox.stats().depth() == 0);
        Thread.sleep(300);
        assertThat(roboflow.requests).hasSize(3);
        assertThat(roboflow.requests.get(2).path()).endsWith("/upload");
        assertThat(roboflow.to("/dataset/hard-hats/annotate/")).hasSize(1);
        assertThat(givenBack).containsExactly("cam-1/unsure/" + sample(1).at());
    }

    @Test
    void aFailedAnnotationIsRetriedAloneAndTheImageIsNeverUploadedTwice() throws Exception {
        Dataset dataset = new Dataset();
        dataset.failAnnotations.set(2);
        roboflow.answer(dataset);
        sink = open();
        sink.accept(sample(0), jpeg(30));
        await(() -> outbox.stats().depth() == 0);
        assertThat(roboflow.to("/dataset/hard-hats/upload")).hasSize(1);
        assertThat(roboflow.to("/dataset/hard-hats/annotate/i1")).hasSize(3);
        assertThat(outbox.deadLetters()).isZero();
    }

    @Test
    void aRestartResumesAtTheAnnotationTheUploadGotTo() throws Exception {
        Dataset dataset = new Dataset();
        dataset.failAnnotations.set(Integer.MAX_VALUE);
        roboflow.answer(dataset);
        sink = open();
        sink.accept(sample(0), jpeg(40));
        await(() -> roboflow.to("/dataset/hard-hats/annotate/").size() >= 1);
        sink.close();
        sink = null;
        outbox.close();
        int before = roboflow.requests.size();
        dataset.failAnnotations.set(0);
        outbox = Outbox.open(dir, 10_000, Clock.systemUTC());
        sink = open();
        await(() -> outbox.stats().depth() == 0);
        List<Request> after = roboflow.requests.subList(before, roboflow.requests.size());
        assertThat(after).hasSize(1);
        assertThat(after.get(0).path()).isEqualTo("/dataset/hard-hats/annotate/i1");
        assertThat(roboflow.to("/dataset/hard-hats/upload")).hasSize(1);
    }

    @Test
    void whileTheUplinkIsDownSamplesWaitOnDiskAndEachArrivesOnceInOrder() throws Exception {
        Dataset dataset = new Dataset();
        roboflow.answer(dataset);
        sink = open();
        roboflow.stop();
        for (int i = 0; i < 5; i++) {
            sink.accept(sample(i), jpeg(50 + 20 * i));
        }
        Thread.sleep(700);
        assertThat(outbox.stats().depth()).isEqualTo(5);
        roboflow.start();
        await(() -> outbox.stats().depth() == 0);
        List<Request> uploads = roboflow.to("/dataset/hard-hats/upload");
        assertThat(uploads).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(uploads.get(i).parts().get(0).text()).isEqualTo("cam-1-" + sample(i).id() + ".jpg");
        }
        assertThat(roboflow.to("/dataset/hard-hats/annotate/")).extracting(Request::path)
                .containsExactly("/dataset/hard-hats/annotate/i1", "/dataset/hard-hats/annotate/i2",
                        "/dataset/hard-hats/annotate/i3", "/dataset/hard-hats/annotate/i4", "/dataset/hard-hats/annotate/i5");
    }

    @Test
    void aRefusedUploadIsSetAsideAndTheNextSampleStillGoes() throws Exception {
        roboflow.answer(r -> r.path().endsWith("/upload") && r.parts().get(0).text().contains(sample(0).id())
                ? Answer.ok("{\"success\":false,\"error\":\"image too large\"}")
                : new Dataset().apply(r));
        sink = open();
        sink.accept(sample(0), jpeg(60));
        sink.accept(sample(1), jpeg(70));
        await(() -> outbox.stats().depth() == 0 && roboflow.to("/dataset/hard-hats/annotate/").size() == 1);
        assertThat(outbox.deadLetters()).isEqualTo(1);
        assertThat(outbox.deadLetterList(10).get(0).reason()).contains("image too large").doesNotContain(KEY);
    }

    @Test
    void anEntryThatCannotBeReadIsSetAsideWithItsReasonAndTheNextSampleStillGoes() throws Exception {
        // a local error at the head (a body Envelope.unpack cannot read, a ClassCastException, a kind of another version)
        // was retried for ever, and one entry goes at a time: the project received nothing more
        roboflow.answer(new Dataset());
        outbox.append(DatasetSink.destination("hard-hats"), "cam-1", "sample", new byte[] {1, 2, 3});
        sink = open();
        sink.accept(sample(0), jpeg(80));
        await(() -> outbox.stats().depth() == 0);
        assertThat(roboflow.to("/dataset/hard-hats/upload")).hasSize(1);
        assertThat(roboflow.to("/dataset/hard-hats/annotate/")).extracting(Request::path).containsExactly("/dataset/hard-hats/annotate/i1");
        assertThat(outbox.deadLetterList(10)).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo("sample");
            assertThat(d.reason()).contains("BufferUnderflowException");
        });
    }

    @Test
    void anUploadWhoseAnswerWasLostIsStillAnnotatedWhenItsRetryIsAnsweredDuplicate() throws Exception {
        // the server took the image but its answer did not arrive in time: the retry is answered "duplicate", which
        // skipped the annotation of the sink's own upload and gave its credit back
        Dataset dataset = new Dataset();
        AtomicInteger uploads = new AtomicInteger();
        roboflow.answer(r -> {
            Answer a = dataset.apply(r);
            if (r.path().endsWith("/upload") && uploads.getAndIncrement() == 0) {
                return new Answer(a.status(), a.headers(), a.body(), Duration.ofSeconds(4));
            }
            return a;
        });
        sink = open();
        sink.accept(sample(0), jpeg(90));
        await(() -> outbox.stats().depth() == 0 && roboflow.to("/dataset/hard-hats/upload").size() == 2);
        assertThat(roboflow.to("/dataset/hard-hats/annotate/")).extracting(Request::path).containsExactly("/dataset/hard-hats/annotate/i1");
        assertThat(givenBack).as("its own upload: the credit was spent").isEmpty();
        assertThat(outbox.deadLetters()).isZero();
    }

    @Test
    void batchNamesFollowTheRecreationInterval() {
        DatasetOptions o = DatasetOptions.of(KEY, "https://api.roboflow.com", "p");
        LocalDate wednesday = LocalDate.of(2026, 12, 2);
        assertThat(o.withBatch("al", DatasetOptions.Recreation.NEVER).batchName(wednesday)).isEqualTo("al");
        assertThat(o.withBatch("al", DatasetOptions.Recreation.DAILY).batchName(wednesday)).isEqualTo("al_2026_12_02");
        assertThat(o.withBatch("al", DatasetOptions.Recreation.WEEKLY).batchName(wednesday)).isEqualTo("al_2026_11_30");
        assertThat(o.withBatch("al", DatasetOptions.Recreation.MONTHLY).batchName(wednesday)).isEqualTo("al_2026_12_01");
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
