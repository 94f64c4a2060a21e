package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.testkit.InferenceServerStandIn;
import io.edgewatch.testkit.SyntheticClip;
import io.edgewatch.testkit.SyntheticModels;


/**
 * The real detectors through the {@code edgewatch} command: a camera whose model is on a Roboflow
 * Inference Server (the stand-in on 127.0.0.1) and one whose model runs in ONNX Runtime (a tiny
 * model the tests build), each from its YAML file to the JSONL reports.
 */
class InferenceEndToEndTest {

    private static final String KEY = "rf_e2e_inference_key_42";

    @TempDir
    Path dir;

    private Path config(String camera) throws Exception {
        return ConfigFolder.write(dir, "  server_max_in_flight: 4\n", camera);
    }

    private List<JsonNode> reports() throws Exception {
        return ConfigFolder.reports(dir);
    }

    private static int run(StringWriter err, String... args) {
        return ConfigFolder.run(err, args);
    }

    @Test
    void aCameraOnTheInferenceServerReportsTheIdsTheServerReturnedUnderItsTask() throws Exception {
        Path clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 160, 120, 25, 50, SyntheticClip.Codec.MPEG4);
        Path cfg;
        List<JsonNode> reports;
        List<InferenceServerStandIn.Request> frames;
        List<String> returned;
        StringWriter err = new StringWriter();
        try (InferenceServerStandIn server = new InferenceServerStandIn()) {
            cfg = config("""
                    id: yard-1
                    source:
                      type: file
                      path: %s
                    inference:
                      type: roboflow
                      url: %s
                      api_key: %s
                      model_id: parts/2
                      task: instance-segmentation
                      class_filter: [person]
                    aggregation:
                      frequency: 1
                    """.formatted(clip, server.url(), KEY));
            assertThat(run(err, "run", "--config", cfg.toString(), "--duration", "2m")).as(err.toString()).isZero();
            frames = server.frames();
            returned = List.copyOf(server.returnedIds);
            assertThat(server.invalid).isEmpty();
        }
        reports = reports();

        assertThat(reports.stream().mapToLong(r -> r.get("frames_seen").asLong()).sum()).isEqualTo(50);
        assertThat(reports.stream().mapToLong(r -> r.get("frames_inferred").asLong()).sum()).isEqualTo(50);
        assertThat(frames).hasSize(50).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/infer/instance_segmentation");
            assertThat(r.field("model_id")).isEqualTo("parts/2");
            assertThat(r.field("source_info")).isEqualTo("yard-1");
            assertThat(r.imageWidth()).isEqualTo(160);
            assertThat(r.imageHeight()).isEqualTo(120);
        });
        Set<String> reported = new HashSet<>();
        for (JsonNode r : reports) {
            assertThat(r.get("model_id").asText()).isEqualTo("parts/2");
            assertThat(r.get("model_type").asText()).isEqualTo("instance-segmentation");
            for (JsonNode result : r.get("inference_results")) {
                assertThat(result.get("model_type").asText()).isEqualTo("instance-segmentation");
                assertThat(result.get("class_name").asText()).isEqualTo("person");
                reported.add(result.get("inference_id").asText());
            }
        }
        assertThat(reported).isNotEmpty();
        assertThat(returned).containsAll(reported);
        assertThat(Files.readString(dir.resolve("out/reports.jsonl"))).doesNotContain(KEY);
        assertThat(err.toString()).doesNotContain(KEY);
    }

    @Test
    void aCameraWhoseInferenceServerIsDownGoesOnCountingEveryFrameAsUnavailable() throws Exception {
        Path clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 160, 120, 25, 50, SyntheticClip.Codec.MPEG4);
        String url;
        try (InferenceServerStandIn gone = new InferenceServerStandIn()) {
            url = gone.url(); // a port that was just free: nothing listens there now
        }
        Path cfg = config("""
                id: yard-1
                source:
                  type: file
                  path: %s
                inference:
                  type: roboflow
                  url: %s
                  model_id: parts/2
                  timeout: 2s
                aggregation:
                  frequency: 1
                """.formatted(clip, url));
        StringWriter err = new StringWriter();
        assertThat(run(err, "run", "--config", cfg.toString(), "--duration", "2m")).as(err.toString()).isZero();

        List<JsonNode> reports = reports();
        assertThat(reports.stream().mapToLong(r -> r.get("frames_seen").asLong()).sum()).isEqualTo(50);
        assertThat(reports.stream().mapToLong(r -> r.get("inference_errors").asLong()).sum()).isEqualTo(50);
        assertThat(reports.stream().mapToLong(r -> r.path("errors_by_kind").path("unavailable").asLong()).sum()).isEqualTo(50);
    }

    @Test
    void aCameraWithAnOnnxModelRunsItOnEveryFrame() throws Exception {
        Path clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 160, 120, 25, 50, SyntheticClip.Codec.MPEG4);
        Path model = Files.write(dir.resolve("tiny.onnx"), SyntheticModels.colourDetector(false, "{0: 'red', 1: 'green', 2: 'blue'}"));
        Path cfg = config("""
                id: gate-2
                source:
                  type: file
                  path: %s
                inference:
                  type: onnx
                  model: %s
                  confidence: 0.5
                  max_in_flight: 2
                aggregation:
                  frequency: 1
                """.formatted(clip, model));
        StringWriter err = new StringWriter();
        assertThat(run(err, "run", "--config", cfg.toString(), "--duration", "2m")).as(err.toString()).isZero();

        List<JsonNode> reports = reports();
        assertThat(reports.stream().mapToLong(r -> r.get("frames_inferred").asLong()).sum()).isEqualTo(50);
        assertThat(reports.stream().mapToLong(r -> r.get("inference_errors").asLong()).sum()).isZero();
        for (JsonNode r : reports) {
            assertThat(r.get("model_id").asText()).isEqualTo("tiny");
            assertThat(r.get("model_type").asText()).isEqualTo("object-detection");
            for (JsonNode result : r.get("inference_results")) {
                assertThat(result.get("class_name").asText()).isIn("red", "green", "blue");
            }
        }
    }
}
