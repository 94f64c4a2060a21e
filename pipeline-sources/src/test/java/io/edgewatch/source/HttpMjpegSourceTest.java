package io.edgewatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetSocketAddress;
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
}
