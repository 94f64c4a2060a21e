package io.edgewatch.daemon.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.edgewatch.testkit.Fixtures;
import io.edgewatch.testkit.RtspServer;
import io.edgewatch.testkit.SyntheticModels;

/**
 * A configuration that makes a daemon load every native library it can: every detector type and every
 * kind of source at once (HOG on a file with samples, so JPEG encoding; Haar and LBP cascades on a file;
 * motion on FFmpeg's test pattern and on an HTTP MJPEG camera served here; the ONNX detector on an RTSP
 * camera, GStreamer's test server), and what checks a daemon started on it: every camera infers, the
 * snapshot endpoint answers a JPEG, and which libraries the process maps. For the packaging tests that
 * run the built jar or package for real.
 */
final class EveryDetectorRun implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path config;
    final Path storage;
    final int port;
    final List<String> cameras = new ArrayList<>();
    private final HttpServer http;
    private final RtspServer rtsp;

    /**
     * Skips the calling test when the build made the jar for another platform than this machine's
     * ({@code -Darm64} on x86): such a jar can be inspected (JarPlatformIT) but not run.
     */
    static void assumeRunnableHere() {
        String platform = System.getProperty("edgewatch.platform", "linux-x86_64");
        String arch = System.getProperty("os.arch");
        String here = arch.equals("amd64") || arch.equals("x86_64") ? "linux-x86_64" : arch.equals("aarch64") ? "linux-arm64" : arch;
        org.junit.jupiter.api.Assumptions.assumeTrue(platform.equals(here),
                () -> "built for " + platform + ", this machine is " + here + ": not run");
    }

    /** Writes {@code dir/config} (storage in {@code dir/storage}) and starts the HTTP and RTSP cameras. */
    EveryDetectorRun(Path dir) throws Exception {
        config = Files.createDirectories(dir.resolve("config"));
        Path camerasDir = Files.createDirectories(config.resolve("cameras"));
        storage = dir.resolve("storage");
        Path model = Files.write(dir.resolve("tiny.onnx"), SyntheticModels.colourDetector(false, "{0: 'red', 1: 'green', 2: 'blue'}"));
        String clip = Fixtures.vtest().toAbsolutePath().toString();
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(config.resolve("edgewatch.yaml"), """
                device_id: natives-box
                inference:
                  workers: 2
                health:
                  port: %d
                storage:
                  path: %s
                """.formatted(port, storage));
        http = mjpegCamera();
        rtsp = new RtspServer().start();
        Map<String, String> files = new TreeMap<>();
        files.put("hog", """
                source: {type: file, path: %s, loop: true, max_fps: 5}
                inference: {type: hog}
                samples:
                  strategies: [{name: all, type: random}]
                """.formatted(clip));
        files.put("haar", """
                source: {type: file, path: %s, loop: true, max_fps: 5}
                inference: {type: cascade, cascade: haarcascade_fullbody.xml, class: person}
                """.formatted(clip));
        files.put("lbp", """
                source: {type: file, path: %s, loop: true, max_fps: 5}
                inference: {type: cascade, cascade: lbpcascade_frontalface.xml, class: face}
                """.formatted(clip));
        files.put("pattern", """
                source: {type: test_pattern, size: 320x240, rate: 10}
                inference: {type: motion}
                """);
        files.put("http", """
                source: {type: http, url: "http://127.0.0.1:%d/video.mjpg", max_fps: 5}
                inference: {type: motion}
                """.formatted(http.getAddress().getPort()));
        files.put("rtsp", """
                source: {type: rtsp, url: "%s", max_fps: 5}
                inference: {type: onnx, model: %s, confidence: 0.5}
                """.formatted(rtsp.url(), model));
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(camerasDir.resolve(f.getKey() + ".yaml"), "id: " + f.getKey() + "\n" + f.getValue() + "aggregation: {frequency: 1}\n");
            cameras.add(f.getKey());
        }
    }

    /** A 160x120 JPEG whose grey level is {@code level}. */
    private static byte[] jpeg(int level) {
        try (Mat m = new Mat(120, 160, opencv_core.CV_8UC3, Scalar.all(level)); BytePointer out = new BytePointer()) {
            opencv_imgcodecs.imencode(".jpg", m, out);
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            return b;
        }
    }

    /** An IP camera's MJPEG over HTTP ({@code multipart/x-mixed-replace}) on 127.0.0.1, at 25 fps. */
    private static HttpServer mjpegCamera() throws IOException {
        byte[][] images = {jpeg(40), jpeg(200)};
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mjpeg-camera");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/video.mjpg", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "multipart/x-mixed-replace; boundary=frame");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; ; i++) {
                    byte[] image = images[i % 2];
                    out.write(("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + image.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(image);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread.sleep(40);
                }
            } catch (Exception e) {
                // the client left, or the server stopped
            }
        });
        server.start();
        return server;
    }

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * Waits (up to 120 s) until every camera of {@code daemon} (its output in {@code log}) has inferred 3
     * frames, then asserts that each did without an inference error and that the snapshot endpoint serves a JPEG.
     */
    void assertEveryCameraInfers(Process daemon, Path log) throws Exception {
        String base = "http://127.0.0.1:" + port;
        Map<String, long[]> totals = new TreeMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && daemon.isAlive()) {
            totals.clear();
            try {
                for (JsonNode c : JSON.readTree(get(base + "/api/cameras").body())) {
                    JsonNode t = c.path("totals");
                    totals.put(c.path("camera_id").asText(),
                            new long[] {t.path("frames_inferred").asLong(), t.path("inference_errors").asLong()});
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (totals.size() == cameras.size() && totals.values().stream().allMatch(t -> t[0] >= 3)) {
                break;
            }
            Thread.sleep(500);
        }
        String output = Files.readString(log);
        assertThat(daemon.isAlive()).as(output).isTrue();
        assertThat(totals.keySet()).as(output).containsExactlyElementsOf(cameras);
        totals.forEach((camera, t) -> {
            assertThat(t[0]).as("%s: frames inferred%n%s", camera, output).isGreaterThanOrEqualTo(3);
            assertThat(t[1]).as("%s: inference errors%n%s", camera, output).isZero();
        });
        HttpResponse<byte[]> snapshot = get(base + "/api/cameras/hog/snapshot.jpg");
        assertThat(snapshot.statusCode()).as(output).isEqualTo(200);
        assertThat(snapshot.body()[0] & 0xff).isEqualTo(0xff);
        assertThat(snapshot.body()[1] & 0xff).isEqualTo(0xd8);
        try (var samples = Files.walk(storage.resolve("samples"))) {
            assertThat(samples.filter(p -> p.toString().endsWith(".jpg")).count()).as("samples written as JPEG").isPositive();
        }
    }

    /** The files (absolute paths) process {@code pid} maps. */
    static List<String> mapped(long pid) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
            int slash = line.indexOf('/');
            if (slash >= 0 && !out.contains(line.substring(slash))) {
                out.add(line.substring(slash));
            }
        }
        return out;
    }

    /** Stops {@code daemon} as systemd does (SIGTERM), waiting up to 60 s. */
    static void stop(Process daemon) throws InterruptedException {
        daemon.destroy();
        if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
            daemon.destroyForcibly();
        }
    }

    @Override
    public void close() throws Exception {
        http.stop(0);
        rtsp.close();
    }
}
