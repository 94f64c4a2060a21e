package io.edgewatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.core.source.SourceStatus;
import reactor.core.Disposable;

/**
 * An HTTP camera: a real HTTP server on 127.0.0.1 (the JDK's) streams MJPEG as
 * {@code multipart/x-mixed-replace}, the way IP cameras serve it, and the source reads it through
 * FFmpeg's http protocol and mpjpeg demuxer.
 */
class HttpMjpegSourceTest {

    /** A 160x120 JPEG whose grey level is {@code level}. */
    private static byte[] jpeg(int level) {
        try (Mat m = new Mat(120, 160, opencv_core.CV_8UC3, Scalar.all(level)); BytePointer out = new BytePointer()) {
            opencv_imgcodecs.imencode(".jpg", m, out);
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            return b;
        }
    }

    @Test
    void readsAnMjpegStreamOverHttpAndNamesTheUrlWhenItGoesAway() throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mjpeg-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/video.mjpg", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "multipart/x-mixed-replace; boundary=frame");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 10_000; i++) {
                    byte[] image = jpeg(i % 2 == 0 ? 40 : 200);
                    out.write(("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + image.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(image);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    served.incrementAndGet();
                    Thread.sleep(40);
                }
            } catch (Exception e) {
                // the client left, or the server stopped
            }
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/video.mjpg";
        FrameSource camera = VideoSources.http("door", url, 2_000_000);
        assertThat(camera.live()).isTrue();
        List<VideoFrame> frames = new CopyOnWriteArrayList<>();
        Disposable running = camera.frames().subscribe(frames::add);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (frames.size() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(frames).hasSizeGreaterThanOrEqualTo(20);
            assertThat(camera.status().state()).isEqualTo(SourceStatus.State.STREAMING);
            VideoFrame a = frames.get(4);
            VideoFrame b = frames.get(5);
            assertThat(a.width()).isEqualTo(160);
            assertThat(a.height()).isEqualTo(120);
            // the grey levels alternate frame by frame (JPEG keeps them within a few levels)
            double levelA = opencv_core.mean(a.pixels()).get(0);
            double levelB = opencv_core.mean(b.pixels()).get(0);
            assertThat(Math.abs(levelA - levelB)).isGreaterThan(100);
            assertThat(Math.min(levelA, levelB)).isBetween(35.0, 45.0);

            server.stop(0);
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (camera.status().state() == SourceStatus.State.STREAMING && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            SourceStatus down = camera.status();
            assertThat(down.state()).isIn(SourceStatus.State.RECONNECTING, SourceStatus.State.CONNECTING);
            assertThat(down.lastError()).contains("door").contains("127.0.0.1:" + server.getAddress().getPort());
        } finally {
            running.dispose();
            server.stop(0);
            frames.forEach(VideoFrame::release);
        }
        assertThat(served.get()).isGreaterThanOrEqualTo(20);
    }

    /**
     * A hostile or MITM'd HTTP camera answering an HLS playlist that points at another local port
     * (security review 7): FFmpeg probed the answer, took it for HLS and fetched the segment, so a
     * camera could make the box fetch any URL. An HTTP camera is now opened only as MJPEG, over
     * http/https/tcp/tls: the playlist is refused, named with the camera, and the port never contacted.
     */
    @Test
    void aPlaylistAnswerIsRefusedAndTheUrlsItNamesAreNeverFetched() throws Exception {
        AtomicInteger contacted = new AtomicInteger();
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!other.isClosed()) {
                    try (Socket s = other.accept()) {
                        contacted.incrementAndGet();
                    } catch (Exception e) {
                        // closed
                    }
                }
            }, "other-port");
            acceptor.setDaemon(true);
            acceptor.start();
            String segment = "http://127.0.0.1:" + other.getLocalPort() + "/secret/seg0.ts";
            String playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
                    + "#EXTINF:2.0,\n" + segment + "\n#EXTINF:2.0,\n" + segment + "?n=1\n#EXT-X-ENDLIST\n";
            AtomicInteger served = new AtomicInteger();
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/video.mjpg", exchange -> {
                served.incrementAndGet();
                byte[] body = playlist.getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "application/vnd.apple.mpegurl");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            Reconnect fast = new Reconnect(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(10),
                    Duration.ofSeconds(5), Duration.ofSeconds(5));
            FrameSource camera = VideoSources.http("yard", "http://127.0.0.1:" + server.getAddress().getPort() + "/video.mjpg",
                    2_000_000, fast);
            Disposable running = camera.frames().subscribe(VideoFrame::release);
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while ((camera.status().reconnects() < 3 || served.get() < 3) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(served.get()).as("playlists served").isGreaterThanOrEqualTo(3);
                assertThat(camera.status().lastError()).contains("camera yard");
                assertThat(contacted.get()).as("connections to the port the playlist names").isZero();
            } finally {
                running.dispose();
                server.stop(0);
            }
        }
    }
}
