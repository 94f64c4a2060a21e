package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.daemon.config.ConfigLoader;
import io.edgewatch.testkit.RoboflowStandIn;
import io.edgewatch.testkit.RoboflowStandIn.Answer;
import io.edgewatch.testkit.RoboflowStandIn.Request;

/**
 * Samples through the whole daemon: FFmpeg's moving test pattern under the motion detector (every
 * inferred frame past the warm-up has {@code motion} boxes), the strategies of a camera file, the
 * local endpoint, and the Roboflow dataset stand-in on a real socket.
 */
class SamplesEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "rf_samples_key_0000";

    @TempDir
    Path dir;

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static JsonNode samples(String url, String camera) {
        try {
            return JSON.readTree(get(url + "/api/cameras/" + camera + "/samples").body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode windows(String url) {
        try {
            return JSON.readTree(get(url + "/api/cameras").body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theFirstStrategyWithCreditTakesTheFrameTheLimitHoldsAndEachSampleGoesToTheDatasetOnce() throws Exception {
        AtomicInteger ids = new AtomicInteger();
        RoboflowStandIn roboflow = new RoboflowStandIn("ws");
        roboflow.answer(r -> r.path().endsWith("/upload") ? Answer.ok("{\"success\":true,\"id\":\"img" + ids.incrementAndGet() + "\"}")
                : Answer.ok("{\"success\":true}"));
        Path cfg = ConfigFolder.write(dir, "", """
                id: pattern
                source:
                  type: test_pattern
                  size: 320x240
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                metadata:
                  site: plant-7
                samples:
                  strategies:
                    - name: forklifts
                      type: classes
                      classes: [forklift]
                    - name: moving
                      type: classes
                      classes: [motion]
                      tags: [moving]
                      limits: {day: 3}
                    - name: rest
                      type: random
                      probability: 0.5
                      limits: {day: 1}
                  max_width: 160
                  roboflow:
                    project: pattern-set
                    batch_prefix: e2e
                """);
        Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml")) + """
                roboflow:
                  api_key: %s
                  api_url: %s
                  workspace: ws
                """.formatted(KEY, roboflow.url()));
        try (roboflow; Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            await(() -> samples(url, "pattern").path("samples").size() >= 4, "four samples");
            // a few more windows: the day's credits are spent (a day, not a minute: the test may cross a minute), nothing more is taken
            Thread.sleep(2500);
            JsonNode list = samples(url, "pattern").path("samples");
            await(() -> roboflow.to("/dataset/pattern-set/annotate/").size() >= 4, "four annotations");
            assertThat(list).hasSize(4);
            long moving = 0;
            for (JsonNode s : list) {
                String strategy = s.path("strategy").asText();
                assertThat(strategy).isIn("moving", "rest");
                if (strategy.equals("moving")) {
                    moving++;
                    assertThat(s.path("predictions")).isNotEmpty();
                    assertThat(s.path("predictions").get(0).path("class").asText()).isEqualTo("motion");
                    assertThat(s.path("tags")).extracting(JsonNode::asText).containsExactly("moving");
                }
                assertThat(s.path("width").asInt()).isEqualTo(160);
                assertThat(s.path("height").asInt()).isEqualTo(120);
                HttpResponse<byte[]> image = get(url + s.path("image").asText());
                assertThat(image.statusCode()).isEqualTo(200);
                try (Mat decoded = opencv_imgcodecs.imdecode(new Mat(new BytePointer(image.body())), opencv_imgcodecs.IMREAD_COLOR)) {
                    assertThat(decoded.cols()).isEqualTo(160);
                    assertThat(decoded.rows()).isEqualTo(120);
                }
            }
            assertThat(moving).isEqualTo(3);
            assertThat(get(url + "/api/cameras/pattern/samples/../../secret.jpg").statusCode()).isIn(400, 404);
            assertThat(get(url + "/api/cameras/nobody/samples").statusCode()).isEqualTo(404);

            List<Request> uploads = roboflow.to("/dataset/pattern-set/upload");
            assertThat(uploads).hasSize(4);
            for (Request u : uploads) {
                assertThat(u.query()).startsWith("api_key=" + KEY + "&batch=e2e&tag=");
                assertThat(u.query()).contains("&tag=pattern", "&tag=plant-7", "&tag=opencv-motion");
                assertThat(u.parts().get(1).content()[0] & 0xff).isEqualTo(0xff);
            }
            List<Request> annotations = roboflow.to("/dataset/pattern-set/annotate/");
            assertThat(annotations).extracting(Request::path).containsExactly("/dataset/pattern-set/annotate/img1",
                    "/dataset/pattern-set/annotate/img2", "/dataset/pattern-set/annotate/img3", "/dataset/pattern-set/annotate/img4");
        }
    }

    @Test
    void visionEventsGetEachWindowAndEachSampleWithItsImageUploadedFirst() throws Exception {
        AtomicInteger sources = new AtomicInteger();
        RoboflowStandIn roboflow = new RoboflowStandIn("ws");
        roboflow.answer(r -> r.path().equals("/vision-events/upload")
                ? new Answer(201, Map.of(), "{\"success\":true,\"sourceId\":\"src" + sources.incrementAndGet() + "\"}",
                        Duration.ZERO)
                : new Answer(201, Map.of(), "{\"created\":1}", Duration.ZERO));
        Path cfg = ConfigFolder.write(dir, "", """
                id: pattern
                source:
                  type: test_pattern
                  size: 320x240
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                metadata:
                  site: plant-7
                samples:
                  strategies:
                    - name: moving
                      type: classes
                      classes: [motion]
                      limits: {day: 2}
                vision_events:
                  event_type: quality_check
                  fail_classes: [motion]
                """);
        Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml")) + """
                vision_events:
                  api_key: %s
                  api_url: %s
                  use_case_id: uc-e2e
                  linger: 200ms
                """.formatted(KEY, roboflow.url()));
        try (roboflow; Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            await(() -> roboflow.to("/vision-events/upload").size() >= 2 && events(roboflow).size() >= 5, "two samples and windows");
        }
        for (Request r : roboflow.requests) {
            assertThat(r.headers().get("authorization")).isEqualTo("Bearer " + KEY);
            assertThat(r.query()).isEmpty();
        }
        assertThat(roboflow.to("/vision-events/upload")).hasSize(2);
        List<JsonNode> events = events(roboflow);
        List<JsonNode> samples = events.stream().filter(e -> e.has("images")).toList();
        assertThat(samples).extracting(e -> e.path("images").get(0).path("sourceId").asText()).containsExactly("src1", "src2");
        for (JsonNode e : events) {
            assertThat(e.path("eventType").asText()).isEqualTo("quality_check");
            assertThat(e.path("useCaseId").asText()).isEqualTo("uc-e2e");
            assertThat(e.path("deviceId").asText()).isEqualTo("test-box");
            assertThat(e.path("streamId").asText()).isEqualTo("pattern");
            assertThat(e.path("customMetadata").path("site").asText()).isEqualTo("plant-7");
            assertThat(e.path("eventId").asText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        }
        assertThat(samples).allSatisfy(e -> {
            assertThat(e.path("eventData").path("result").asText()).isEqualTo("fail");
            assertThat(e.path("images").get(0).path("objectDetections").get(0).path("class").asText()).isEqualTo("motion");
        });
        assertThat(events).filteredOn(e -> !e.has("images")).isNotEmpty().allSatisfy(e ->
                assertThat(e.path("customMetadata").has("window_start")).isTrue());
    }

    private static List<JsonNode> events(RoboflowStandIn roboflow) {
        List<JsonNode> out = new ArrayList<>();
        for (Request r : roboflow.requests) {
            try {
                if (r.path().equals("/vision-events")) {
                    out.add(JSON.readTree(r.body()));
                } else if (r.path().equals("/vision-events/batch")) {
                    JSON.readTree(r.body()).path("events").forEach(out::add);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    @Test
    void whenNoStrategyMatchesNoFrameIsKept() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", """
                id: pattern
                source:
                  type: test_pattern
                  size: 160x120
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                samples:
                  strategies:
                    - name: forklifts
                      type: classes
                      classes: [forklift]
                    - name: unsure
                      type: close_to_threshold
                      threshold: 0.5
                      epsilon: 0.000001
                      classes: [forklift]
                    - name: crowd
                      type: detections_number
                      more_than: 10000
                    - name: drifting
                      type: while_alert
                """);
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            await(() -> windows(url).toString().split("\"window_end\"").length > 1, "a window");
            Thread.sleep(3000);
            JsonNode answer = samples(url, "pattern");
            assertThat(answer.path("samples")).isEmpty();
            assertThat(answer.path("store").path("kept").asLong()).isZero();
            assertThat(windows(url).toString()).contains("\"motion\"");
        }
        assertThat(dir.resolve("var/samples/pattern")).doesNotExist();
    }
}
