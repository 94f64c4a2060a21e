package io.edgewatch.inference.server;

import static io.edgewatch.testkit.InferenceServerStandIn.Answer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.source.VideoSources;
import io.edgewatch.testkit.InferenceServerStandIn;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The inference-server adapter against a stand-in server on 127.0.0.1: what goes over the wire,
 * how answers and every kind of failure come back, and that the client bounds its requests.
 */
class InferenceServerAdapterTest {

    private static final String KEY = "rf_live_0123456789abcdef";

    private final InferenceServerStandIn server = new InferenceServerStandIn();
    private final Scheduler encoders = Schedulers.newBoundedElastic(2, 64, "encode-test");

    @AfterEach
    void stop() {
        server.close();
        encoders.dispose();
    }

    private static VideoFrame frame(long seq, int width, int height) {
        return new VideoFrame("cam-7", seq, System.nanoTime(), Instant.now(), seq * 40_000,
                new Mat(height, width, opencv_core.CV_8UC3, new Scalar(40, 120, 200, 0)));
    }

    private static InferenceResult inferOne(InferenceAdapter adapter, int width, int height) {
        VideoFrame f = frame(1, width, height);
        try {
            return adapter.infer(f).block(Duration.ofSeconds(20));
        } finally {
            f.release();
        }
    }

    private static InferenceException failure(InferenceAdapter adapter) {
        VideoFrame f = frame(1, 64, 48);
        try {
            adapter.infer(f).block(Duration.ofSeconds(20));
            throw new AssertionError("the inference succeeded");
        } catch (InferenceException e) {
            return e;
        } finally {
            f.release();
        }
    }

    @Test
    void aFrameGoesAsABase64JpegInTheV1BodyAndTheAnswerBecomesAResultWithTheServersIdAndTime() {
        InferenceServerOptions options = new InferenceServerOptions(server.url(), Secret.of(KEY), "people/3", ModelType.OBJECT_DETECTION,
                0.5, 0.45, 50, List.of("person", "forklift"), 80, true, false);
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", options, encoders)) {
            InferenceResult r = inferOne(adapter, 320, 240);

            assertThat(server.invalid).isEmpty();
            List<InferenceServerStandIn.Request> frames = server.frames();
            assertThat(frames).hasSize(1);
            InferenceServerStandIn.Request req = frames.get(0);
            assertThat(req.path()).isEqualTo("/infer/object_detection");
            assertThat(req.imageWidth()).isEqualTo(320);
            assertThat(req.imageHeight()).isEqualTo(240);
            assertThat(req.field("model_id")).isEqualTo("people/3");
            assertThat(req.field("api_key")).isEqualTo(KEY);
            assertThat(req.body().get("confidence").asDouble()).isEqualTo(0.5);
            assertThat(req.body().get("iou_threshold").asDouble()).isEqualTo(0.45);
            assertThat(req.body().get("max_detections").asInt()).isEqualTo(50);
            assertThat(req.body().get("class_filter").toString()).isEqualTo("[\"person\",\"forklift\"]");
            assertThat(req.field("source")).isEqualTo("edgewatch");
            assertThat(req.field("source_info")).isEqualTo("cam-7");
            assertThat(req.body().get("disable_model_monitoring").asBoolean()).isTrue();

            assertThat(r.inferenceId()).isEqualTo(req.field("id")).isIn(server.returnedIds);
            assertThat(r.cameraId()).isEqualTo("cam-7");
            assertThat(r.modelId()).isEqualTo("people/3");
            assertThat(r.modelType()).isEqualTo(ModelType.OBJECT_DETECTION);
            assertThat(r.inferenceTime()).isEqualTo(Duration.ofNanos(23_100_000));
            assertThat(r.callTime()).isPositive();
            assertThat(r.predictions()).containsExactly(Prediction.detection("person", 0.87, new Box(160, 120, 160, 120)));
        }
    }

    @Test
    void theStartUpCheckAsksForTheServersInfoAndProbesTheModelOnce() throws InterruptedException {
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", InferenceServerOptions.defaults(server.url(), "", "people/3",
                     ModelType.OBJECT_DETECTION), encoders)) {
            for (int i = 0; i < 200 && server.requests.isEmpty(); i++) {
                Thread.sleep(25);
            }
            assertThat(server.infoRequests.get()).isEqualTo(1);
            assertThat(server.requests).singleElement().satisfies(r -> {
                assertThat(r.field("id")).isEqualTo("edgewatch-startup-check");
                assertThat(r.field("api_key")).isNull(); // no key configured: none sent
                assertThat(r.imageWidth()).isEqualTo(64);
            });
            assertThat(adapter.modelId()).isEqualTo("people/3");
        }
    }

    @Test
    void classificationUsesItsEndpointSendsNoDetectionParametersAndReadsAMultiLabelMap() {
        server.answer(r -> {
            var root = InferenceServerStandIn.envelope(r);
            root.putObject("predictions").putObject("scratch").put("confidence", 0.93).put("class_id", 1);
            root.withObject("predictions").putObject("dent").put("confidence", 0.12).put("class_id", 0);
            return Answer.ok(root);
        });
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", InferenceServerOptions.defaults(server.url(), KEY, "parts/2",
                     ModelType.CLASSIFICATION), encoders)) {
            InferenceResult r = inferOne(adapter, 128, 96);

            InferenceServerStandIn.Request req = server.frames().get(0);
            assertThat(req.path()).isEqualTo("/infer/classification");
            assertThat(req.body().has("iou_threshold")).isFalse();
            assertThat(req.body().has("max_detections")).isFalse();
            assertThat(r.modelType()).isEqualTo(ModelType.CLASSIFICATION);
            assertThat(r.predictions()).containsExactly(Prediction.of("scratch", 0.93), Prediction.of("dent", 0.12));
        }
    }

    @Test
    void theLegacyRouteSendsTheRawBase64BodyAndItsParametersInTheQuery() {
        InferenceServerOptions options = new InferenceServerOptions(server.url(), Secret.of(KEY), "people/3", ModelType.OBJECT_DETECTION,
                0.25, 0.5, 100, List.of(), 85, true, true);
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", options, encoders)) {
            InferenceResult r = inferOne(adapter, 200, 100);

            assertThat(server.invalid).isEmpty();
            // the legacy body has no id, so the start-up probe (64x64) is told apart by its size
            InferenceServerStandIn.Request req = server.requests.stream().filter(q -> q.imageWidth() == 200)
                    .findFirst().orElseThrow();
            assertThat(server.requests).allSatisfy(q -> assertThat(q.path()).isEqualTo("/people/3"));
            assertThat(req.imageHeight()).isEqualTo(100);
            assertThat(InferenceServerStandIn.params(req.query())).containsEntry("api_key", KEY)
                    .containsEntry("confidence", "0.25").containsEntry("overlap", "0.5")
                    .containsEntry("max_detections", "100").containsEntry("format", "json");
            assertThat(r.inferenceId()).isIn(server.returnedIds);
            assertThat(r.predictions()).extracting(Prediction::className).containsExactly("person");
        }
    }

    @Test
    void aRefusedKeyIsRejectedWithAMessageThatSaysWhatToFixAndNeverTheKey() {
        server.answer(r -> Answer.status(401, "Unauthorized api_key " + KEY));
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", InferenceServerOptions.defaults(server.url(), KEY, "people/3",
                     ModelType.OBJECT_DETECTION), encoders)) {
            InferenceException e = failure(adapter);

            assertThat(e.kind()).isEqualTo(InferenceException.Kind.REJECTED);
            assertThat(e.getMessage()).contains("HTTP 401", server.url(), "inference.api_key").doesNotContain(KEY);
        }
    }

    @Test
    void anUnknownModelIsRejectedAndAServerErrorOrOverloadIsUnavailable() {
        AtomicInteger n = new AtomicInteger();
        server.answer(r -> "edgewatch-startup-check".equals(r.field("id")) ? Answer.ok(InferenceServerStandIn.detections(r, "x", 0.5))
                : switch (n.getAndIncrement() % 3) {
            case 0 -> Answer.status(404, "Model people/99 not found");
            case 1 -> Answer.status(500, "CUDA out of memory");
            default -> Answer.status(429, "Too many requests");
        });
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", InferenceServerOptions.defaults(server.url(), KEY, "people/99",
                     ModelType.OBJECT_DETECTION), encoders)) {
            InferenceException notFound = failure(adapter);
            InferenceException broken = failure(adapter);
            InferenceException busy = failure(adapter);

            assertThat(notFound.kind()).isEqualTo(InferenceException.Kind.REJECTED);
            assertThat(notFound.getMessage()).contains("HTTP 404", "inference.model_id", "Model people/99 not found");
            assertThat(broken.kind()).isEqualTo(InferenceException.Kind.UNAVAILABLE);
            assertThat(broken.getMessage()).contains("HTTP 500", "CUDA out of memory");
            assertThat(busy.kind()).isEqualTo(InferenceException.Kind.UNAVAILABLE);
            assertThat(busy.getMessage()).contains("HTTP 429");
        }
    }

    @Test
    void anAnswerThatIsNotTheServersShapeIsMalformed() {
        server.answer(r -> new Answer(200, "{\"inference_id\":\"x\",\"predictions\":[{\"class\":\"person\"}]}", Duration.ZERO));
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", InferenceServerOptions.defaults(server.url(), KEY, "people/3",
                     ModelType.OBJECT_DETECTION), encoders)) {
            InferenceException e = failure(adapter);

            assertThat(e.kind()).isEqualTo(InferenceException.Kind.MALFORMED);
            assertThat(e.getMessage()).contains("no number 'x'");
        }
    }

    @Test
    void aServerSlowerThanTheTimeoutIsATimeout() {
        server.answer(r -> Answer.ok(InferenceServerStandIn.detections(r, "person", 0.5)).after(Duration.ofSeconds(3)));
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofMillis(300));
             InferenceAdapter adapter = client.adapter("cam-7", InferenceServerOptions.defaults(server.url(), KEY, "people/3",
                     ModelType.OBJECT_DETECTION), encoders)) {
            InferenceException e = failure(adapter);

            assertThat(e.kind()).isEqualTo(InferenceException.Kind.TIMEOUT);
            assertThat(e.getMessage()).contains("within 300 ms", server.url()).doesNotContain(KEY);
        }
    }

    @Test
    void aServerThatIsDownIsUnavailableAndTheNextFrameAfterItIsBackSucceeds() {
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("cam-7", InferenceServerOptions.defaults(server.url(), KEY, "people/3",
                     ModelType.OBJECT_DETECTION), encoders)) {
            awaitStartupProbe();
            server.stop();
            InferenceException down = failure(adapter);
            server.start();
            InferenceResult back = inferOne(adapter, 64, 48);

            assertThat(down.kind()).isEqualTo(InferenceException.Kind.UNAVAILABLE);
            assertThat(down.getMessage()).contains(server.url()).doesNotContain(KEY);
            assertThat(back.inferenceId()).isIn(server.returnedIds);
        }
    }

    @Test
    void theClientBoundsTheRequestsInFlightOverEveryCameraThatSharesIt() {
        server.answer(r -> Answer.ok(InferenceServerStandIn.detections(r, "person", 0.6)).after(Duration.ofMillis(150)));
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 2, Duration.ofSeconds(20));
             InferenceAdapter a = client.adapter("cam-a", InferenceServerOptions.defaults(server.url(), KEY, "people/3",
                     ModelType.OBJECT_DETECTION), encoders);
             InferenceAdapter b = client.adapter("cam-b", InferenceServerOptions.defaults(server.url(), KEY, "people/3",
                     ModelType.OBJECT_DETECTION), encoders)) {
            List<VideoFrame> frames = Flux.range(0, 12).map(i -> frame(i, 64, 48)).collectList().block();
            List<InferenceResult> results = Flux.fromIterable(frames)
                    .flatMap(f -> (f.sequence() % 2 == 0 ? a : b).infer(f), 12)
                    .collectList().block(Duration.ofSeconds(30));
            frames.forEach(VideoFrame::release);

            assertThat(results).hasSize(12);
            assertThat(results).extracting(InferenceResult::inferenceId).doesNotHaveDuplicates();
            assertThat(server.maxInFlight()).isEqualTo(2);
        }
    }

    @Test
    void aCameraPipelineGoesOnThroughServerFailuresAndCountsThemByKind() {
        AtomicInteger n = new AtomicInteger();
        server.answer(r -> n.incrementAndGet() % 3 == 0 ? Answer.status(503, "warming up")
                : Answer.ok(InferenceServerStandIn.detections(r, "person", 0.7)));
        try (InferenceServerClient client = new InferenceServerClient(server.url(), 4, Duration.ofSeconds(5));
             InferenceAdapter adapter = client.adapter("pipe", InferenceServerOptions.defaults(server.url(), KEY, "people/3",
                     ModelType.OBJECT_DETECTION), encoders)) {
            PipelineOptions options = new PipelineOptions(WindowOptions.of("pipe", "people/3", ModelType.OBJECT_DETECTION,
                    Duration.ofSeconds(1)), 0, 2, Duration.ofSeconds(5));
            CameraPipeline pipeline = new CameraPipeline(options, VideoSources.testPattern("pipe", "testsrc2", 160, 120, 25),
                    adapter, List.of());
            List<WindowReport> reports = pipeline.reports(Mono.delay(Duration.ofSeconds(3)))
                    .collectList().block(Duration.ofSeconds(30));

            long seen = reports.stream().mapToLong(WindowReport::framesSeen).sum();
            long inferred = reports.stream().mapToLong(WindowReport::framesInferred).sum();
            long dropped = reports.stream().mapToLong(WindowReport::framesDropped).sum();
            long errors = reports.stream().mapToLong(WindowReport::inferenceErrors).sum();
            long unavailable = reports.stream().mapToLong(r -> r.errorsByKind().getOrDefault("unavailable", 0L)).sum();
            assertThat(seen).isEqualTo(inferred + dropped + errors);
            assertThat(inferred).isGreaterThan(10);
            assertThat(errors).isPositive().isEqualTo(unavailable);
            List<String> reported = reports.stream().flatMap(r -> r.reportedInferenceIds().stream()).toList();
            assertThat(reported).isNotEmpty();
            assertThat(server.returnedIds).containsAll(reported);
        }
    }

    private void awaitStartupProbe() {
        for (int i = 0; i < 400 && server.requests.isEmpty(); i++) {
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertThat(server.requests).as("the start-up probe").isNotEmpty();
    }
}
