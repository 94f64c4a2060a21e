package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.daemon.config.ConfigLoader;

/**
 * Hot reload on a running daemon (in process, test-pattern cameras, a window a second): a camera
 * file added to the folder starts its camera (the folder watch), a changed one restarts that camera
 * only, a removed one stops it with its last window written, an invalid change is refused with
 * {@code file:line:column} while everything keeps running, a change to {@code edgewatch.yaml} that
 * cannot apply live is named; through it all the untouched camera's windows follow each other
 * without a gap and its frames keep their pace.
 */
class ReloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static String camera(String id, String extra) {
        return """
                id: %s
                source:
                  type: test_pattern
                  size: 160x120
                  rate: 10
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                %s""".formatted(id, extra);
    }

    private List<JsonNode> windowsOf(String camera) throws Exception {
        if (!Files.exists(dir.resolve("out/reports.jsonl"))) {
            return List.of();
        }
        return ConfigFolder.reports(dir).stream().filter(r -> r.get("camera_id").asText().equals(camera)).toList();
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    private int windows(String camera) {
        try {
            return windowsOf(camera).size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static HttpResponse<String> http(String method, String url) throws Exception {
        // a POST says it is JSON, as the endpoint requires of every POST (a page elsewhere cannot send that unasked)
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String cameras(String url) {
        try {
            return http("GET", url + "/api/cameras").body();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void camerasComeGoAndChangeWhileTheOthersRunOnUntouched() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", camera("steady", ""));
        Path cams = cfg.resolve("cameras");
        Files.writeString(cams.resolve("dock.yaml"), camera("dock", "metadata:\n  line: \"1\"\n"));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            await("two windows of each camera", () -> windows("steady") >= 2 && windows("dock") >= 2);

            // added: the folder watch starts it, nobody asked
            Files.writeString(cams.resolve("gate.yaml"), camera("gate", ""));
            await("gate's first window", () -> windows("gate") >= 1);
            assertThat(cameras(url)).contains("\"gate\"");

            // changed: dock restarts with its new metadata; the others go on
            Files.writeString(cams.resolve("dock.yaml"), camera("dock", "metadata:\n  line: \"2\"\n"));
            await("dock's window with line 2", () -> {
                try {
                    return windowsOf("dock").stream().anyMatch(w -> w.path("metadata").path("line").asText().equals("2"));
                } catch (Exception e) {
                    return false;
                }
            });

            // removed: gate stops, its open window is written, it leaves the endpoint and the scrape
            int gateBefore = windows("gate");
            Instant removedAt = Instant.now();
            Files.delete(cams.resolve("gate.yaml"));
            await("gate gone from /api/cameras", () -> !cameras(url).contains("\"gate\""));
            List<JsonNode> gate = windowsOf("gate");
            assertThat(gate.size()).as("the window open at the removal is written").isGreaterThan(gateBefore);
            assertThat(Instant.parse(gate.get(gate.size() - 1).get("window_end").asText())).isAfter(removedAt.minusSeconds(1));
            assertThat(http("GET", url + "/metrics").body()).doesNotContain("camera=\"gate\"").contains("camera=\"steady\"");

            // invalid: refused with where and why, through the endpoint; nothing stops
            Files.writeString(cams.resolve("dock.yaml"), camera("dock", "aggregation_typo: 3\n"));
            Thread.sleep(ConfigWatcher.QUIET.toMillis() * 2);
            HttpResponse<String> refused = http("POST", url + "/api/reload");
            assertThat(refused.statusCode()).isEqualTo(422);
            JsonNode answer = JSON.readTree(refused.body());
            assertThat(answer.get("applied").asBoolean()).isFalse();
            assertThat(answer.get("errors").toString()).contains("dock.yaml:").contains("aggregation_typo");
            int dockNow = windows("dock");
            await("dock still reporting after the refused change", () -> windows("dock") >= dockNow + 2);

            // edgewatch.yaml: a change that takes a restart is named, the running value stays
            Files.writeString(cams.resolve("dock.yaml"), camera("dock", "metadata:\n  line: \"2\"\n"));
            Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml"))
                    .replace("device_id: test-box", "device_id: other-box"));
            Daemon.Reload r = daemon.reload("the test");
            assertThat(r.applied()).isTrue();
            assertThat(r.needsRestart()).containsExactly("device_id");
            assertThat(r.restarted()).isEmpty();
            assertThat(r.unchanged()).isEqualTo(2);
            await("one more window of steady", () -> windows("steady") >= 2);
            daemon.stop();
            daemon.completion().block(Duration.ofSeconds(30));
        }

        // the untouched camera: one run, windows back to back, frames at the source's pace all along
        List<JsonNode> steady = windowsOf("steady");
        assertThat(steady.size()).isGreaterThanOrEqualTo(6);
        for (int i = 1; i < steady.size(); i++) {
            assertThat(steady.get(i).get("window_start").asText()).as("window %d follows window %d", i, i - 1)
                    .isEqualTo(steady.get(i - 1).get("window_end").asText());
        }
        // its pace from its first frame on: on a busy box opening the pattern can outlast the first window or two
        int first = 0;
        while (first < steady.size() && steady.get(first).get("frames_seen").asLong() == 0) {
            first++;
        }
        assertThat(steady.size() - first).as("windows with frames").isGreaterThanOrEqualTo(4);
        for (JsonNode w : steady.subList(first + 1, steady.size() - 1)) {
            assertThat(w.get("frames_seen").asLong()).as(w.toString()).isBetween(5L, 15L);
        }
        assertThat(steady).allMatch(w -> w.get("device_id").asText().equals("test-box"));
    }
}
