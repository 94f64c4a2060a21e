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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.daemon.config.ConfigLoader;
import io.edgewatch.testkit.BadMedia;
import io.edgewatch.testkit.InferenceServerStandIn;
import io.edgewatch.testkit.SyntheticModels;

/**
 * The daemon's lifecycle in process: what reloads and stops leave behind (adapters, health
 * series), how reloads are run when they pile up, and what a stop does to a reload.
 */
class DaemonTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    static final String STEADY = """
            id: steady
            source:
              type: test_pattern
              size: 160x120
              rate: 10
            inference:
              type: motion
            aggregation:
              frequency: 1
            """;

    /**
     * FFmpeg's libraries loaded once here, on the test's thread: loaded by a camera's source thread,
     * a stop that interrupts it mid-load leaves the classes failed for the rest of the JVM.
     */
    @BeforeAll
    static void loadNatives() throws ClassNotFoundException {
        for (String c : NativePreload.COMMON) {
            Class.forName(c);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Waits up to {@code limit} for {@code condition}; the assertion after it says what was not reached. */
    static void within(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static String get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aCameraThatFailsAtOnceKeepsNoAdapterAndNoStaleSeriesHoweverOftenItIsReloaded() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", STEADY);
        Path broken = BadMedia.randomBytes(dir.resolve("random.mp4"), 4096, 7);
        Files.writeString(cfg.resolve("cameras/broken.yaml"), """
                id: broken
                source:
                  type: file
                  path: %s
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                """.formatted(broken));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            await("the broken camera's first failure", () -> daemon.failedRuns() >= 1);
            int reloads = 6;
            for (int i = 0; i < reloads; i++) {
                Daemon.Reload r = daemon.reload("the test");
                assertThat(r.applied()).isTrue();
                assertThat(r.started()).as("the failed camera is started again").containsExactly("broken");
                assertThat(r.unchanged()).isEqualTo(1);
                int failures = i + 2;
                await("failure " + failures + " of the broken camera", () -> daemon.failedRuns() >= failures);
            }
            // made: the steady camera's and one per run of the broken one; released: every broken run's
            // the last broken run's adapter is released as its run ends, just after its failure is counted
            within(Duration.ofSeconds(10), () -> daemon.adaptersOpen() <= 1);
            assertThat(daemon.adaptersOpen()).as("adapters made and not closed after %d reloads", reloads).isEqualTo(1);

            // the series of the broken camera are the live ones: a gauge bound to a collected camera reads NaN
            System.gc();
            List<String> broke = get(url + "/metrics").lines().filter(l -> l.contains("camera=\"broken\"") && !l.startsWith("#")).toList();
            assertThat(broke).isNotEmpty().noneMatch(l -> l.endsWith("NaN"));

            // its file gone, the failed camera leaves for good: no series, not in /api/cameras
            Files.delete(cfg.resolve("cameras/broken.yaml"));
            Daemon.Reload gone = daemon.reload("the test");
            assertThat(gone.stopped()).containsExactly("broken");
            assertThat(get(url + "/metrics")).doesNotContain("camera=\"broken\"");
            assertThat(get(url + "/api/cameras")).doesNotContain("\"broken\"");
            daemon.stop();
            daemon.completion().block(WAIT);
        }
    }

    @Test
    void thirtyReloadsAtOnceRunAtMostTwiceOnOneThreadAndEveryCallerIsAnswered() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", STEADY);
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            CountDownLatch release = new CountDownLatch(1);
            List<String> threads = new CopyOnWriteArrayList<>();
            // the first reload is slow (a camera taking its time to stop, say): the others pile up behind it
            daemon.reloadStarted = () -> {
                threads.add(Thread.currentThread().getName());
                try {
                    release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            ExecutorService callers = Executors.newFixedThreadPool(30);
            List<CompletableFuture<Daemon.Reload>> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> daemon.reload("POST /api/reload"), callers));
            }
            await("30 reload requests made", () -> daemon.reloadRequests() >= 30);
            release.countDown();
            for (CompletableFuture<Daemon.Reload> a : answers) {
                assertThat(a.get(WAIT.toSeconds(), TimeUnit.SECONDS).applied()).isTrue();
            }
            callers.shutdown();
            assertThat(threads).as("reload runs for 30 requests").hasSizeBetween(1, 2).allMatch("edgewatch-reload"::equals);

            daemon.stop();
            Daemon.Reload late = daemon.reload("POST /api/reload");
            assertThat(late.applied()).isFalse();
            assertThat(late.errors()).containsExactly("the daemon is stopping");
            daemon.completion().block(WAIT);
        }
    }

    @Test
    void aReloadThatRacesTheStopStartsNoCameraIntoTheClosingDaemon() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", STEADY);
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            await("steady's first window", () -> Files.exists(dir.resolve("out/reports.jsonl")));
            CountDownLatch inReload = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            daemon.reloadStarted = () -> {
                inReload.countDown();
                try {
                    release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Files.writeString(cfg.resolve("cameras/late.yaml"), STEADY.replace("id: steady", "id: late"));
            CompletableFuture<Daemon.Reload> answer = daemon.requestReload("the test");
            assertThat(inReload.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            // the stop comes while the reload runs: the last camera ends, the daemon completes
            daemon.stop();
            daemon.completion().block(WAIT);
            release.countDown();
            Daemon.Reload r = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.applied()).as(r.describe()).isFalse();
            assertThat(r.errors()).containsExactly("the daemon is stopping");
            // the stopped camera's adapter is released on the release thread, just after its run ended
            within(Duration.ofSeconds(10), () -> daemon.adaptersOpen() == 0);
            assertThat(daemon.adaptersOpen()).as("adapters of cameras started after the stop").isZero();
        }
        assertThat(ConfigFolder.reports(dir)).noneMatch(w -> w.get("camera_id").asText().equals("late"));
    }

    /**
     * A camera on an Inference Server stand-in that holds every answer for ten minutes: its stop
     * waits for the frame in inference (timeout 10m) until the test stops the stand-in.
     */
    private static String held(InferenceServerStandIn server, String line) {
        return """
                id: held
                source:
                  type: test_pattern
                  size: 160x120
                  rate: 5
                inference:
                  type: roboflow
                  url: %s
                  model_id: parts/2
                  timeout: 10m
                aggregation:
                  frequency: 1
                metadata:
                  line: %s
                """.formatted(server.url(), line);
    }

    private static InferenceServerStandIn holdingServer() {
        InferenceServerStandIn server = new InferenceServerStandIn();
        server.answer(r -> InferenceServerStandIn.Answer.ok(InferenceServerStandIn.detections(r, "part", 0.9))
                .after(Duration.ofMinutes(10)));
        return server;
    }

    private static List<JsonNode> reportsOf(Path dir, String camera) throws Exception {
        return ConfigFolder.reports(dir).stream().filter(w -> w.get("camera_id").asText().equals(camera)).toList();
    }

    @Test
    void aChangedCameraWhoseStopOutlastsTheReloadGraceKeepsOnePipelineAndStartsItsNewFileWhenTheOldRunEnds() throws Exception {
        try (InferenceServerStandIn server = holdingServer()) {
            Path cfg = ConfigFolder.write(dir, "", held(server, "one"));
            try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
                daemon.reloadStopGrace = Duration.ofSeconds(1);
                await("a frame of held at the server", () -> !server.frames().isEmpty());
                Files.writeString(cfg.resolve("cameras/cam.yaml"), held(server, "two"));
                Daemon.Reload r = daemon.reload("the test");
                assertThat(daemon.pipelines("held")).as("pipelines under one id while the old one stops").isEqualTo(1);
                assertThat(r.json().path("still_stopping").toString()).as(r.describe()).isEqualTo("[\"held\"]");
                // the old run's frame fails: its last window is written, and only then the new file starts
                server.stop();
                await("a window of held's new file", () -> {
                    try {
                        return Files.exists(dir.resolve("out/reports.jsonl"))
                                && reportsOf(dir, "held").stream().anyMatch(w -> w.path("metadata").path("line").asText().equals("two"));
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertThat(daemon.pipelines("held")).as("pipelines under one id").isEqualTo(1);
                daemon.stop();
                daemon.completion().block(WAIT);
            }
            List<JsonNode> windows = reportsOf(dir, "held");
            JsonNode lastOld = windows.stream().filter(w -> w.path("metadata").path("line").asText().equals("one"))
                    .reduce((a, b) -> b).orElseThrow();
            JsonNode firstNew = windows.stream().filter(w -> w.path("metadata").path("line").asText().equals("two"))
                    .findFirst().orElseThrow();
            assertThat(windows).as("every window of held has its metadata").allMatch(w -> w.path("metadata").has("line"));
            assertThat(firstNew.get("window_start").asText()).as("the new run's first window starts after the old run's last")
                    .isGreaterThanOrEqualTo(lastOld.get("window_end").asText());
        }
    }

    @Test
    void aRemovedCameraWhoseStopOutlastsTheReloadGraceKeepsItsMetadataAndSeriesUntilItsLastWindowThenLeaves() throws Exception {
        try (InferenceServerStandIn server = holdingServer()) {
            Path cfg = ConfigFolder.write(dir, "", held(server, "one"));
            Files.writeString(cfg.resolve("cameras/steady.yaml"), STEADY);
            try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
                String url = daemon.healthUrl().orElseThrow();
                daemon.reloadStopGrace = Duration.ofSeconds(1);
                await("a frame of held at the server", () -> !server.frames().isEmpty());
                Files.delete(cfg.resolve("cameras/cam.yaml"));
                Daemon.Reload r = daemon.reload("the test");
                server.stop();
                await("held's old run ended", () -> daemon.pipelines("held") == 0);
                // a window of steady after held's end, so any write of held's last window is in
                int steadyNow = reportsOf(dir, "steady").size();
                await("two more windows of steady", () -> {
                    try {
                        return reportsOf(dir, "steady").size() >= steadyNow + 2;
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertThat(get(url + "/metrics").lines().filter(l -> l.contains("camera=\"held\"")).toList())
                        .as("the removed camera's series").isEmpty();
                assertThat(get(url + "/api/cameras")).doesNotContain("\"held\"");
                assertThat(r.json().path("still_stopping").toString()).as(r.describe()).isEqualTo("[\"held\"]");
                daemon.stop();
                daemon.completion().block(WAIT);
            }
            List<JsonNode> windows = reportsOf(dir, "held");
            assertThat(windows).isNotEmpty().as("every window of held, its last one too, has its metadata")
                    .allMatch(w -> w.path("metadata").path("line").asText().equals("one"));
        }
    }

    private static final String RGB = "{0: 'red', 1: 'green', 2: 'blue'}";
    /** As many characters as {@link #RGB}: the new model file has the old one's size. */
    private static final String ROT = "{0: 'rot', 1: 'gruen', 2: 'blau'}";

    /** An ONNX camera on colour bars: the colour detector sees the bars, named as the model's metadata says. */
    private static String onnxCamera(String id, Path model) {
        return """
                id: %s
                source:
                  type: test_pattern
                  pattern: smptebars
                  size: 160x120
                  rate: 5
                inference:
                  type: onnx
                  model: %s
                  confidence: 0.5
                aggregation:
                  frequency: 1
                """.formatted(id, model);
    }

    private boolean sees(String camera, String... classes) {
        try {
            if (!Files.exists(dir.resolve("out/reports.jsonl"))) {
                return false;
            }
            List<String> names = List.of(classes);
            return reportsOf(dir, camera).stream().anyMatch(w -> {
                for (JsonNode r : w.path("inference_results")) {
                    if (names.contains(r.path("class_name").asText())) {
                        return true;
                    }
                }
                return false;
            });
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void aReloadAfterItsModelFileIsReplacedRunsTheCameraOnASessionOfTheNewModelAndClosesTheOld() throws Exception {
        Path model = Files.write(dir.resolve("model.onnx"), SyntheticModels.colourDetector(false, RGB));
        Path cfg = ConfigFolder.write(dir, "", onnxCamera("bars", model));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            await("the bars seen by the first model", () -> sees("bars", "red", "green", "blue"));
            // replaced at the same path, same size: only its content tells
            Files.write(model, SyntheticModels.colourDetector(false, ROT));
            Daemon.Reload r = daemon.reload("the test");
            within(Duration.ofSeconds(30), () -> sees("bars", "rot", "gruen", "blau"));
            assertThat(sees("bars", "rot", "gruen", "blau")).as("the new model's classes after the reload (%s)", r.describe()).isTrue();
            assertThat(r.restarted()).containsExactly("bars");
            within(Duration.ofSeconds(10), () -> daemon.onnxSessionsOpen() <= 1);
            assertThat(daemon.onnxSessionsOpen()).as("sessions open").isEqualTo(1);
            assertThat(daemon.onnxSessionsLoaded()).as("sessions loaded").isEqualTo(2);
            daemon.stop();
            daemon.completion().block(WAIT);
        }
    }

    @Test
    void removingEveryCameraOfAModelClosesItsSession() throws Exception {
        Path model = Files.write(dir.resolve("model.onnx"), SyntheticModels.colourDetector(false, RGB));
        Path cfg = ConfigFolder.write(dir, "", onnxCamera("bars", model));
        Files.writeString(cfg.resolve("cameras/bars2.yaml"), onnxCamera("bars2", model));
        Files.writeString(cfg.resolve("cameras/steady.yaml"), STEADY);
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            await("both cameras see the bars", () -> sees("bars", "red", "green", "blue") && sees("bars2", "red", "green", "blue"));
            assertThat(daemon.onnxSessionsOpen()).as("one session for two cameras of one model").isEqualTo(1);
            Files.delete(cfg.resolve("cameras/cam.yaml"));
            assertThat(daemon.reload("the test").stopped()).containsExactly("bars");
            assertThat(daemon.onnxSessionsOpen()).as("sessions open while bars2 uses it").isEqualTo(1);
            Files.delete(cfg.resolve("cameras/bars2.yaml"));
            assertThat(daemon.reload("the test").stopped()).containsExactly("bars2");
            within(Duration.ofSeconds(10), () -> daemon.onnxSessionsOpen() == 0);
            assertThat(daemon.onnxSessionsOpen()).as("sessions open once no camera uses the model").isZero();
            assertThat(daemon.onnxSessionsLoaded()).isEqualTo(1);
            daemon.stop();
            daemon.completion().block(WAIT);
        }
    }

    @Test
    void aRunningCameraTakesTheFramesInFlightOfTheThreadRuleAReloadChanges() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        Assumptions.assumeTrue(cores >= 2, "the rule gives one camera all the cores only when there are two or more");
        String hog = """
                id: %s
                source:
                  type: test_pattern
                  size: 160x120
                  rate: 2
                inference:
                  type: hog
                aggregation:
                  frequency: 1
                """;
        Path cfg = ConfigFolder.write(dir, "", hog.formatted("first"));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            // alone, its calls take every core (OpenCV's threads) and one frame at a time
            await("first runs", () -> daemon.framesInFlight("first") > 0);
            assertThat(daemon.framesInFlight("first")).as("frames in flight of the only HOG camera").isEqualTo(1);
            // as many HOG cameras as cores: each call one thread, each camera inference.workers (2) frames
            for (int i = 0; i < cores; i++) {
                Files.writeString(cfg.resolve("cameras/more-" + i + ".yaml"), hog.formatted("more-" + i));
            }
            Daemon.Reload r = daemon.reload("the test");
            assertThat(r.unchanged()).as(r.describe()).isEqualTo(1);
            assertThat(daemon.framesInFlight("more-0")).as("a new camera's frames in flight").isEqualTo(2);
            assertThat(daemon.framesInFlight("first")).as("the running camera's frames in flight after the reload").isEqualTo(2);
            daemon.stop();
            daemon.completion().block(WAIT);
        }
    }
}
