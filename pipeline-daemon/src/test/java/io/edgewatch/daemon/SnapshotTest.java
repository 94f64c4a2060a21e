package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.daemon.config.ConfigLoader;

/** The snapshot endpoint: a JPEG of the last inferred frame; nothing (403, and no frame kept) with {@code health.snapshots: false}. */
class SnapshotTest {

    @TempDir
    Path dir;

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> snapshotOnceThereIsAFrame(String extra) throws Exception {
        Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA);
        Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml"))
                .replace("health:\n  port: 0\n", "health:\n  port: 0\n" + extra));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            String url = daemon.healthUrl().orElseThrow();
            // the first window means frames were inferred
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!new String(get(url + "/api/cameras").body()).contains("\"window_end\"") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            return get(url + "/api/cameras/pattern/snapshot.jpg");
        }
    }

    @Test
    void theLastFrameIsServedAsAJpeg() throws Exception {
        HttpResponse<byte[]> r = snapshotOnceThereIsAFrame("");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("image/jpeg");
        byte[] jpeg = r.body();
        assertThat(jpeg.length).isGreaterThan(1000);
        assertThat(jpeg[0] & 0xff).isEqualTo(0xff);
        assertThat(jpeg[1] & 0xff).isEqualTo(0xd8);
    }

    @Test
    void snapshotsOffServesNoPicture() throws Exception {
        HttpResponse<byte[]> r = snapshotOnceThereIsAFrame("  snapshots: false\n");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(new String(r.body())).contains("health.snapshots: false");
    }
}
