package io.edgewatch.daemon.packaging;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.edgewatch.testkit.Fixtures;
import io.edgewatch.testkit.RtspServer;
import io.edgewatch.testkit.SyntheticModels;

/**
 * The runnable jar, after {@code package}, run for real ({@code java -jar}) on every detector type and
 * every kind of source at once, with a JavaCPP cache of its own: HOG on a file with samples (JPEG
 * encoding), Haar and LBP cascades on a file, motion on FFmpeg's test pattern, motion on an HTTP MJPEG
 * camera, the ONNX detector on an RTSP camera, and the snapshot endpoint. Every camera infers frames
 * without an error, so no library the run needs was left out of the jar; and every JavaCPP native
 * library the jar carries is one the run maps (read from {@code /proc/PID/maps}), so none is carried
 * that nothing loads. Run by failsafe in {@code verify}, on the jar the build just made.
 */
class JarNativesIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

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
    private static HttpServer mjpegCamera() throws Exception {
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

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The file names of the native libraries JavaCPP's presets carry in the jar ({@code org/bytedeco/...}). */
    private static TreeSet<String> javacppNatives(Path jar) throws Exception {
        TreeSet<String> out = new TreeSet<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.startsWith("org/bytedeco/") && JarPlatformIT.isNative(name)) {
                    out.add(name.substring(name.lastIndexOf('/') + 1));
                }
            }
        }
        return out;
    }

    @Test
    void everyDetectorAndSourceRunsFromTheJarWhichCarriesNoNativeLibraryNothingLoads() throws Exception {
        Path jar = Path.of(System.getProperty("edgewatch.jar", "target/edgewatch.jar")).toAbsolutePath();
        assertThat(jar).as("the jar to check (built by package)").isRegularFile();
        Path cfg = Files.createDirectories(dir.resolve("config"));
        Path cameras = Files.createDirectories(cfg.resolve("cameras"));
        Path storage = dir.resolve("storage");
        Path cache = dir.resolve("javacpp-cache");
        Path model = Files.write(dir.resolve("tiny.onnx"), SyntheticModels.colourDetector(false, "{0: 'red', 1: 'green', 2: 'blue'}"));
        String clip = Fixtures.vtest().toAbsolutePath().toString();
        int port = freePort();
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                device_id: natives-box
                inference:
                  workers: 2
                health:
                  port: %d
                storage:
                  path: %s
                """.formatted(port, storage));
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
        HttpServer http = mjpegCamera();
        try (RtspServer rtsp = new RtspServer().start()) {
            files.put("http", """
                    source: {type: http, url: "http://127.0.0.1:%d/video.mjpg", max_fps: 5}
                    inference: {type: motion}
                    """.formatted(http.getAddress().getPort()));
            files.put("rtsp", """
                    source: {type: rtsp, url: "%s", max_fps: 5}
                    inference: {type: onnx, model: %s, confidence: 0.5}
                    """.formatted(rtsp.url(), model));
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.writeString(cameras.resolve(f.getKey() + ".yaml"),
                        "id: " + f.getKey() + "\n" + f.getValue() + "aggregation: {frequency: 1}\n");
            }
            Path log = dir.resolve("daemon.log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process daemon = new ProcessBuilder(java, "-Dorg.bytedeco.javacpp.cachedir=" + cache, "-jar", jar.toString(),
                    "run", "--config", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
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
                    } catch (java.io.IOException notYet) {
                        // not listening yet
                    }
                    if (totals.size() == files.size() && totals.values().stream().allMatch(t -> t[0] >= 3)) {
                        break;
                    }
                    Thread.sleep(500);
                }
                String output = Files.readString(log);
                assertThat(daemon.isAlive()).as(output).isTrue();
                assertThat(totals.keySet()).as(output).containsExactlyElementsOf(files.keySet());
                totals.forEach((camera, t) -> {
                    assertThat(t[0]).as("%s: frames inferred%n%s", camera, output).isGreaterThanOrEqualTo(3);
                    assertThat(t[1]).as("%s: inference errors%n%s", camera, output).isZero();
                });
                HttpResponse<byte[]> snapshot = get(base + "/api/cameras/hog/snapshot.jpg");
                assertThat(snapshot.statusCode()).as(output).isEqualTo(200);
                assertThat(snapshot.body()[0] & 0xff).isEqualTo(0xff);
                assertThat(snapshot.body()[1] & 0xff).isEqualTo(0xd8);

                List<String> maps = Files.readAllLines(Path.of("/proc/" + daemon.pid() + "/maps"));
                TreeSet<String> mapped = new TreeSet<>();
                List<String> fromCache = new ArrayList<>();
                for (String line : maps) {
                    int slash = line.indexOf('/');
                    if (slash >= 0) {
                        String file = line.substring(slash);
                        mapped.add(file.substring(file.lastIndexOf('/') + 1));
                        if (file.startsWith(cache.toString())) {
                            fromCache.add(file);
                        }
                    }
                }
                assertThat(fromCache).as("libraries loaded from the run's JavaCPP cache").isNotEmpty();
                TreeSet<String> unused = javacppNatives(jar);
                unused.removeAll(mapped);
                assertThat(unused).as("native libraries in %s that a run on every detector and source never loads", jar)
                        .isEmpty();
                assertThat(mapped).as("ONNX Runtime's, SQLite's and Netty's own").anyMatch(n -> n.contains("libonnxruntime"))
                        .anyMatch(n -> n.contains("sqlitejdbc")).anyMatch(n -> n.contains("netty_transport_native_epoll"));
                try (var samples = Files.walk(storage.resolve("samples"))) {
                    assertThat(samples.filter(p -> p.toString().endsWith(".jpg")).count()).as("samples written as JPEG").isPositive();
                }
            } finally {
                daemon.destroy();
                if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                    daemon.destroyForcibly();
                }
                http.stop(0);
            }
        }
    }
}
