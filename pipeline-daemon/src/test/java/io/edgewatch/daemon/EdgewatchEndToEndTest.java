package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.RoboflowStandIn;
import io.edgewatch.testkit.SyntheticClip;


/**
 * The {@code edgewatch} command end to end: real configuration folders, real video through FFmpeg,
 * real detectors, JSONL read back. The fixture test reads {@code vtest.avi} from the folder in the
 * system property {@code edgewatch.fixtures} (Maven sets it to {@code ../shared/fixtures} beside
 * the project; override with {@code -Dedgewatch.fixtures=DIR}).
 */
class EdgewatchEndToEndTest {


    @TempDir
    Path dir;

    private Path config(String camera) throws Exception {
        return ConfigFolder.write(dir, "", camera);
    }

    private List<JsonNode> reports() throws Exception {
        return ConfigFolder.reports(dir);
    }

    private static int run(StringWriter err, String... args) {
        return ConfigFolder.run(err, args);
    }

    @Test
    void aGeneratedClipIsReadLosslesslyAndReportedInContiguousWindows() throws Exception {
        Path clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 320, 240, 25, 250, SyntheticClip.Codec.MPEG4);
        Path cfg = config("""
                id: clip-cam
                source:
                  type: file
                  path: %s
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                metadata:
                  site: lab
                  line: 2
                """.formatted(clip));
        StringWriter err = new StringWriter();
        assertThat(run(err, "run", "--config", cfg.toString(), "--duration", "2m")).as(err.toString()).isZero();

        List<JsonNode> reports = reports();
        assertThat(reports).isNotEmpty();
        long seen = 0;
        long inferred = 0;
        long motion = 0;
        for (int i = 0; i < reports.size(); i++) {
            JsonNode r = reports.get(i);
            assertThat(r.get("camera_id").asText()).isEqualTo("clip-cam");
            assertThat(r.get("device_id").asText()).isEqualTo("test-box");
            assertThat(r.get("model_id").asText()).isEqualTo("opencv-motion");
            assertThat(r.get("metadata").toString()).isEqualTo("{\"site\":\"lab\",\"line\":\"2\"}");
            assertThat(r.get("frames_dropped").asLong()).isZero();
            assertThat(r.get("inference_errors").asLong()).isZero();
            if (i > 0) {
                assertThat(r.get("window_start").asText()).isEqualTo(reports.get(i - 1).get("window_end").asText());
            }
            assertThat(Instant.parse(r.get("window_end").asText())).isAfter(Instant.parse(r.get("window_start").asText()));
            seen += r.get("frames_seen").asLong();
            inferred += r.get("frames_inferred").asLong();
            for (JsonNode s : r.get("class_stats")) {
                assertThat(s.get("class_name").asText()).isEqualTo("motion");
                motion += s.get("frames").asLong();
            }
            for (JsonNode result : r.get("inference_results")) {
                assertThat(result.get("inference_id").asText()).hasSize(36);
                assertThat(result.get("confidence").asDouble()).isBetween(0.0, 1.0);
            }
        }
        // lossless: every frame of the file seen and inferred once; the moving block is found in most
        assertThat(seen).isEqualTo(250);
        assertThat(inferred).isEqualTo(250);
        assertThat(motion).isGreaterThan(200);
    }

    @Test
    void hogOnTheFixtureAtOneFrameInTenMatchesTheReferenceFigure() throws Exception {
        Path vtest = ConfigFolder.fixture("vtest.avi");
        // vtest.avi is 10 fps: max_fps 1 keeps frames 0, 10, ..., 790 (80 frames), as in the fixtures README
        Path cfg = config("""
                id: lobby
                source:
                  type: file
                  path: %s
                  max_fps: 1
                inference:
                  type: hog
                  max_in_flight: 2
                aggregation:
                  frequency: 60
                """.formatted(vtest));
        StringWriter err = new StringWriter();
        assertThat(run(err, "run", "--config", cfg.toString(), "--duration", "5m")).as(err.toString()).isZero();
        long seen = 0;
        long inferred = 0;
        long dropped = 0;
        long people = 0;
        for (JsonNode r : reports()) {
            seen += r.get("frames_seen").asLong();
            inferred += r.get("frames_inferred").asLong();
            dropped += r.get("dropped_by_reason").path("rate_limit").asLong();
            for (JsonNode s : r.get("class_stats")) {
                assertThat(s.get("class_name").asText()).isEqualTo("person");
                people += s.get("count").asLong();
            }
        }
        assertThat(seen).isEqualTo(795);
        assertThat(inferred).isEqualTo(80);
        assertThat(dropped).isEqualTo(715);
        // reference: 250 detections with OpenCV 4.6 (Python) and 4.13 (JavaCV)
        assertThat(people).isBetween(245L, 255L);
    }

    @Test
    void aCameraThatFailsIsReportedAndTheOthersCarryOn() throws Exception {
        Path clip = dir.resolve("short.avi");
        SyntheticClip.write(clip, 160, 120, 25, 50, SyntheticClip.Codec.MPEG4);
        Path cfg = config("""
                id: good
                source:
                  type: file
                  path: %s
                inference:
                  type: none
                """.formatted(clip));
        Path junk = Files.writeString(dir.resolve("junk.mp4"), "not a video");
        Files.writeString(cfg.resolve("cameras/bad.yaml"), """
                id: bad
                source:
                  type: file
                  path: %s
                inference:
                  type: none
                """.formatted(junk));
        StringWriter err = new StringWriter();
        assertThat(run(err, "run", "--config", cfg.toString(), "--duration", "1m")).isZero();
        List<JsonNode> reports = reports();
        // the good camera read its whole file; the bad one at most closed its open, empty window on failing
        assertThat(reports.stream().filter(r -> r.get("camera_id").asText().equals("good"))
                .mapToLong(r -> r.get("frames_seen").asLong()).sum()).isEqualTo(50);
        assertThat(reports.stream().filter(r -> r.get("camera_id").asText().equals("bad")))
                .allSatisfy(r -> assertThat(r.get("frames_seen").asLong()).isZero());
    }

    @Test
    void whileRoboflowIsDownThePipelineDoesNotWaitAndEveryWindowIsKeptForLater() throws Exception {
        RoboflowStandIn roboflow = new RoboflowStandIn("ws");
        roboflow.answer(r -> RoboflowStandIn.Answer.status(503));
        Path clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 160, 120, 25, 250, SyntheticClip.Codec.MPEG4);
        Path cfg = config("""
                id: clip-cam
                source:
                  type: file
                  path: %s
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                metadata:
                  site: lab
                """.formatted(clip));
        Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml")) + """
                roboflow:
                  api_key: rf_e2e_key_0000
                  api_url: %s
                  workspace: ws
                """.formatted(roboflow.url())); // storage is dir/var (ConfigFolder)
        StringWriter err = new StringWriter();
        try {
            assertThat(run(err, "run", "--config", cfg.toString(), "--duration", "2m")).as(err.toString()).isZero();
        } finally {
            roboflow.close();
        }
        // every frame went through although no report could be delivered
        List<JsonNode> reports = reports();
        assertThat(reports.stream().mapToLong(r -> r.get("frames_seen").asLong()).sum()).isEqualTo(250);
        long withResults = reports.stream().filter(r -> r.get("inference_results").size() > 0).count();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("var/outbox.db"));
             ResultSet rs = db.createStatement().executeQuery(
                     "SELECT SUM(kind = 'report'), SUM(kind = 'metadata') FROM outbox")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(reports.size());
            assertThat(rs.getLong(2)).isEqualTo(withResults);
        }
        assertThat(roboflow.requests).allSatisfy(r -> assertThat(r.uri()).startsWith("/ws/inference-stats"));
    }

    @Test
    void validateExitsTwoWithEveryErrorAndRunRefusesTheSameConfiguration() throws Exception {
        Path cfg = config("id: x\nsource:\n  type: file\n  path: /missing.mp4\ninference:\n  type: yolo\n");
        StringWriter err = new StringWriter();
        assertThat(run(err, "validate", "--config", cfg.toString())).isEqualTo(2);
        assertThat(err.toString())
                .contains("cam.yaml:4:9: source.path: file /missing.mp4 does not exist or cannot be read")
                .contains("cam.yaml:6:9: inference.type: 'yolo' is not one of roboflow, onnx, motion, hog, cascade, none")
                .contains("2 error(s) in the configuration")
                .doesNotContain("Exception");
        StringWriter runErr = new StringWriter();
        assertThat(run(runErr, "run", "--config", cfg.toString())).isEqualTo(2);
        assertThat(runErr.toString()).isEqualTo(err.toString());
        assertThat(dir.resolve("out/reports.jsonl")).doesNotExist();
    }

    @Test
    void sigtermFlushesTheOpenWindowAndExitsZero() throws Exception {
        Path cfg = config("""
                id: pattern
                source:
                  type: test_pattern
                  size: 160x120
                  rate: 25
                inference:
                  type: motion
                aggregation:
                  frequency: 60
                """);
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, dir.resolve("daemon.log"), Map.of());
        try {
            // wait until frames flow, then stop it long before its 60 s window closes on its own
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(dir.resolve("daemon.log")).contains("opened test pattern") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(2_000);
            daemon.destroy(); // SIGTERM
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.exitValue()).as(Files.readString(dir.resolve("daemon.log"))).isZero();
        } finally {
            daemon.destroyForcibly();
        }
        List<JsonNode> reports = reports();
        assertThat(reports).singleElement().satisfies(r -> {
            assertThat(r.get("frames_inferred").asLong()).isGreaterThan(10);
            // a live source does not wait for a busy detector: a frame it could not take is dropped, and counted
            assertThat(r.get("frames_seen").asLong())
                    .isEqualTo(r.get("frames_inferred").asLong() + r.get("frames_dropped").asLong());
        });
        assertThat(Files.readString(dir.resolve("daemon.log"))).contains("SIGTERM received").contains("edgewatch stopped");
    }
}
