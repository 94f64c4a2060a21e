package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.daemon.config.ConfigLoader;
import io.edgewatch.testkit.SyntheticClip;
import io.edgewatch.testkit.SyntheticModels;
import reactor.netty.http.client.HttpClient;

/**
 * The fallbacks of a box without an accelerator, through the daemon on this machine without a GPU
 * (as CI is), with the real native libraries: a camera asking for NVIDIA's {@code h264_cuvid}
 * decodes in software and says so on {@code /api/cameras}, {@code /healthz} and {@code /metrics};
 * one that requires it stops with the reason, and the other camera goes on. The same for ONNX
 * Runtime's execution providers: {@code [tensorrt, cuda, cpu]} runs on the CPU build's CPU and says
 * so; {@code [cuda]} alone stops its camera naming why.
 */
class AcceleratorFallbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String get(String url) {
        return HttpClient.create().get().uri(url).responseSingle((res, body) -> body.asString()).block(Duration.ofSeconds(10));
    }

    @Test
    void aCameraAskingForAMissingHardwareDecoderRunsInSoftwareAndSaysSoOneThatRequiresItStops() throws Exception {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, 320, 240, 25, 50, SyntheticClip.Codec.H264);
        Path cfg = ConfigFolder.write(dir, "", """
                id: fallback
                source:
                  type: file
                  path: %s
                  decoder: h264_cuvid
                inference:
                  type: none
                aggregation:
                  frequency: 1
                """.formatted(clip));
        Files.writeString(cfg.resolve("cameras/required.yaml"), """
                id: required
                source:
                  type: file
                  path: %s
                  decoder: h264_cuvid
                  decoder_required: true
                inference:
                  type: none
                aggregation:
                  frequency: 1
                """.formatted(clip));
        Served served = runToTheEnd(cfg);
        JsonNode cameras = served.cameras();
        JsonNode healthz = served.healthz();
        String metrics = served.metrics();
        JsonNode fallback = camera(cameras, "fallback");
        assertThat(fallback.path("source").path("decoder").asText()).isEqualTo("h264");
        assertThat(fallback.path("source").path("decoder_fallbacks").asLong()).isEqualTo(1);
        assertThat(fallback.path("totals").path("frames_seen").asLong()).isEqualTo(50);
        assertThat(healthz.path("decoders").path("fallback").asText()).isEqualTo("h264");
        assertThat(metrics).contains("edgewatch_source_decoder{camera=\"fallback\",decoder=\"h264\"} 1.0")
                .contains("edgewatch_decoder_fallbacks_total{camera=\"fallback\"} 1.0");

        JsonNode required = camera(cameras, "required");
        assertThat(required.path("status").asText()).isEqualTo("degraded");
        assertThat(required.path("problems").toString()).contains("decoder h264_cuvid could not be opened")
                .contains("decoder_required is true");
        assertThat(required.path("totals").path("frames_seen").asLong()).isZero();
        assertThat(healthz.path("cameras").path("required").asText()).startsWith("degraded");
    }

    @Test
    void anOnnxModelListingGpuProvidersFirstRunsOnTheCpuBuildsCpuAndOneListingOnlyCudaStops() throws Exception {
        Path clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 160, 120, 25, 30, SyntheticClip.Codec.MPEG4);
        Path model = Files.write(dir.resolve("tiny.onnx"), SyntheticModels.colourDetector(false, "{0: 'red', 1: 'green', 2: 'blue'}"));
        Path cfg = ConfigFolder.write(dir, "", """
                id: gpu-first
                source:
                  type: file
                  path: %s
                inference:
                  type: onnx
                  model: %s
                  providers: [tensorrt, cuda, cpu]
                aggregation:
                  frequency: 1
                """.formatted(clip, model));
        Files.writeString(cfg.resolve("cameras/gpu-only.yaml"), """
                id: gpu-only
                source:
                  type: file
                  path: %s
                inference:
                  type: onnx
                  model: %s
                  providers: [cuda]
                aggregation:
                  frequency: 1
                """.formatted(clip, model));
        Served served = runToTheEnd(cfg);
        JsonNode cameras = served.cameras();
        JsonNode healthz = served.healthz();
        String metrics = served.metrics();
        JsonNode first = camera(cameras, "gpu-first");
        assertThat(first.path("inference").path("provider").asText()).isEqualTo("cpu");
        assertThat(first.path("totals").path("frames_inferred").asLong()).isEqualTo(30);
        assertThat(healthz.path("providers").path("gpu-first").asText()).isEqualTo("cpu");
        assertThat(metrics).contains("edgewatch_inference_provider{camera=\"gpu-first\",provider=\"cpu\"} 1.0");

        JsonNode only = camera(cameras, "gpu-only");
        assertThat(only.path("status").asText()).isEqualTo("degraded");
        assertThat(only.path("problems").toString()).contains("none of the execution providers [cuda] is available here");
        assertThat(only.path("totals").path("frames_seen").asLong()).isZero();
    }

    /** What the endpoint serves once every camera of {@code cfg} ended (its files read, or it could not start). */
    private record Served(JsonNode cameras, JsonNode healthz, String metrics) {
    }

    private static Served runToTheEnd(Path cfg) throws Exception {
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            daemon.completion().onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(Duration.ofMinutes(2));
            return new Served(JSON.readTree(get(url + "/api/cameras")), JSON.readTree(get(url + "/healthz")), get(url + "/metrics"));
        }
    }

    private static JsonNode camera(JsonNode cameras, String id) {
        for (JsonNode c : cameras) {
            if (c.path("camera_id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("no camera " + id + " in " + cameras);
    }
}
