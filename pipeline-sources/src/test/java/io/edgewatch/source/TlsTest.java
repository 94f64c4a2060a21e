package io.edgewatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.core.source.SourceStatus;
import reactor.core.Disposable;

/**
 * An {@code https://} camera on a local TLS server whose certificate is self-signed (the JDK's
 * keytool makes it for 127.0.0.1): FFmpeg 8.0.1 does not check certificates by default
 * (security review 4), so a MITM could serve any. By default the source refuses it, naming the
 * camera and the URL (without its password) and never sending the server a request; with the
 * certificate as {@code ca_file} it streams; with {@code tls_verify: false} it gets past the
 * handshake (the server sees the request).
 */
class TlsTest {

    private static final Reconnect FAST = new Reconnect(Duration.ofMillis(200), Duration.ofMillis(500),
            Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(5));
    private static final String PASSWORD = "Tls-Cam-Pw-61";

    @TempDir
    static Path dir;
    static HttpsServer server;
    static final AtomicInteger requests = new AtomicInteger();
    static Path certificate;
    static KeyManagerFactory keys;

    private static SSLContext serverContext() throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }

    @BeforeAll
    static void selfSignedServer() throws Exception {
        Path keystore = dir.resolve("cam.p12");
        certificate = dir.resolve("cam.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", "cam", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2");
        run(keytool, "-exportcert", "-rfc", "-alias", "cam", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", certificate.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(ks, "changeit".toCharArray());
        SSLContext tls = serverContext();
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mjpeg-tls-server");
            t.setDaemon(true);
            return t;
        }));
        byte[][] images = {jpeg(40), jpeg(200)};
        server.createContext("/video.mjpg", exchange -> {
            requests.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "multipart/x-mixed-replace; boundary=frame");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 10_000; i++) {
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
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static byte[] jpeg(int level) {
        try (Mat m = new Mat(120, 160, opencv_core.CV_8UC3, Scalar.all(level)); BytePointer out = new BytePointer()) {
            opencv_imgcodecs.imencode(".jpg", m, out);
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            return b;
        }
    }

    private static String url() {
        return "https://admin:" + PASSWORD + "@127.0.0.1:" + server.getAddress().getPort() + "/video.mjpg";
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    @Test
    void aSelfSignedCertificateIsRefusedByDefaultNamingTheCameraAndTheUrlWithoutItsPassword() throws Exception {
        int before = requests.get();
        FrameSource camera = VideoSources.http("door", url(), 2_000_000, FAST);
        List<VideoFrame> frames = new CopyOnWriteArrayList<>();
        Disposable running = camera.frames().subscribe(frames::add);
        try {
            await(() -> camera.status().reconnects() >= 2);
            SourceStatus s = camera.status();
            assertThat(s.reconnects()).isGreaterThanOrEqualTo(2);
            assertThat(s.lastError()).contains("camera door").contains("https://***@127.0.0.1:" + server.getAddress().getPort())
                    .doesNotContain(PASSWORD);
            assertThat(frames).isEmpty();
            assertThat(requests.get()).as("requests the server got past the handshake").isEqualTo(before);
        } finally {
            running.dispose();
            frames.forEach(VideoFrame::release);
        }
    }

    @Test
    void theSameCertificateGivenAsCaFileIsTrustedAndTheCameraStreams() throws Exception {
        FrameSource camera = VideoSources.http("door-ca", url(), 2_000_000, FAST, new Tls(true, certificate));
        List<VideoFrame> frames = new CopyOnWriteArrayList<>();
        Disposable running = camera.frames().subscribe(frames::add);
        try {
            await(() -> frames.size() >= 3);
            assertThat(frames).hasSizeGreaterThanOrEqualTo(3);
            assertThat(camera.status().state()).isEqualTo(SourceStatus.State.STREAMING);
        } finally {
            running.dispose();
            frames.forEach(VideoFrame::release);
        }
    }

    @Test
    void tlsVerifyFalseTakesAnyCertificate() throws Exception {
        int before = requests.get();
        FrameSource camera = VideoSources.http("door-any", url(), 2_000_000, FAST, new Tls(false, null));
        List<VideoFrame> frames = new CopyOnWriteArrayList<>();
        Disposable running = camera.frames().subscribe(frames::add);
        try {
            await(() -> requests.get() > before);
            assertThat(requests.get()).as("requests the server got past the handshake").isGreaterThan(before);
        } finally {
            running.dispose();
            frames.forEach(VideoFrame::release);
        }
    }

    @Test
    void anRtspsCameraWithASelfSignedCertificateIsRefusedBeforeItIsSentARequest() throws Exception {
        SSLContext tls = serverContext();
        try (javax.net.ssl.SSLServerSocket listener = (javax.net.ssl.SSLServerSocket) tls.getServerSocketFactory()
                .createServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            AtomicInteger handshakes = new AtomicInteger();
            List<String> received = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) listener.accept()) {
                        s.setSoTimeout(3000);
                        s.startHandshake();
                        handshakes.incrementAndGet();
                        byte[] b = new byte[256];
                        int n = s.getInputStream().read(b);
                        if (n > 0) {
                            received.add(new String(b, 0, n, StandardCharsets.US_ASCII));
                        }
                    } catch (Exception e) {
                        // a refused handshake, a timeout, the listener closed
                    }
                }
            }, "rtsps-listener");
            acceptor.setDaemon(true);
            acceptor.start();
            String rtsps = "rtsps://admin:" + PASSWORD + "@127.0.0.1:" + listener.getLocalPort() + "/stream1";
            FrameSource camera = VideoSources.rtsp("gate", rtsps, "tcp", 2_000_000, FAST);
            Disposable running = camera.frames().subscribe(VideoFrame::release);
            try {
                await(() -> camera.status().reconnects() >= 2);
                assertThat(camera.status().lastError()).contains("camera gate").contains("rtsps://***@127.0.0.1")
                        .doesNotContain(PASSWORD);
                assertThat(received).as("what the camera was sent after the handshake").isEmpty();
            } finally {
                running.dispose();
            }
            // the check is the certificate's, not a refusal of every rtsps camera: trusted, it is sent its OPTIONS
            FrameSource trusted = VideoSources.rtsp("gate-ca", rtsps, "tcp", 2_000_000, FAST, new Tls(true, certificate));
            Disposable again = trusted.frames().subscribe(VideoFrame::release);
            try {
                await(() -> !received.isEmpty());
                assertThat(received).first().asString().startsWith("OPTIONS rtsps://127.0.0.1:" + listener.getLocalPort());
            } finally {
                again.dispose();
            }
        }
    }
}
