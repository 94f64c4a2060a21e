package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.daemon.config.ConfigLoader;
import io.edgewatch.testkit.RoboflowStandIn;
import reactor.netty.http.client.HttpClient;

/**
 * A box whose SD card wore out: {@code outbox.db} holds random bytes. The daemon starts anyway
 * (it used to exit 1 with SQLITE_NOTADB, a restart loop under systemd), moves the file aside,
 * reports and delivers on a fresh outbox, and says so: {@code storage_damaged:outbox} on /healthz;
 * the same for {@code health.db} (which used to be kept in memory only for the process's life).
 */
class DamagedStorageTest {

    @TempDir
    Path dir;

    @Test
    void anOutboxAndAHealthStoreOfRandomBytesAreMovedAsideAndTheCamerasReportAndDeliver() throws Exception {
        Path var = dir.resolve("var");
        Files.createDirectories(var);
        byte[] junk = new byte[20_000];
        new Random(7).nextBytes(junk);
        Files.write(var.resolve("outbox.db"), junk);
        Files.write(var.resolve("health.db"), junk);
        try (RoboflowStandIn roboflow = new RoboflowStandIn("ws")) {
            Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA.replace("aggregation:", "sinks: [roboflow, jsonl]\naggregation:"));
            Files.writeString(cfg.resolve("edgewatch.yaml"), Files.readString(cfg.resolve("edgewatch.yaml")) + """
                    roboflow:
                      api_key: rf_damage_key_0000
                      api_url: %s
                      workspace: ws
                    """.formatted(roboflow.url()));
            try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
                while (roboflow.to("/ws/inference-stats?").isEmpty()) {
                    assertThat(System.nanoTime()).as("a report delivered to Roboflow").isLessThan(deadline);
                    Thread.sleep(100);
                }
                String url = daemon.healthUrl().orElseThrow();
                String healthz = "";
                while (!healthz.contains("storage_damaged:outbox") || !healthz.contains("storage_damaged:health")) {
                    assertThat(System.nanoTime()).as("storage_damaged:outbox on /healthz: %s", healthz).isLessThan(deadline);
                    Thread.sleep(200);
                    healthz = HttpClient.create().get().uri(url + "/healthz").responseSingle((res, body) -> body.asString())
                            .block(Duration.ofSeconds(10));
                }
                assertThat(healthz).contains("degraded");
            }
        }
        try (Stream<Path> files = Files.list(var)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("outbox.db.damaged-"))
                    .anyMatch(n -> n.startsWith("health.db.damaged-"))
                    .contains("outbox.db", "health.db");
        }
        try (Stream<Path> files = Files.list(var)) {
            Path aside = files.filter(p -> p.getFileName().toString().startsWith("outbox.db.damaged-")).findFirst().orElseThrow();
            assertThat(Files.readAllBytes(aside)).as("the damaged file, kept as it was").isEqualTo(junk);
        }
    }
}
