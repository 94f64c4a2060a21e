package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.RoboflowStandIn;
import reactor.netty.http.client.HttpClient;

/**
 * A distinct secret in every field that holds one (an RTSP camera's password, the Roboflow key,
 * the health token, the webhook's token and a secret in its URL's query, the Vision Events key), the daemon run as a
 * child process through a camera that cannot connect, a source_down alert and deliveries; then
 * every output is searched: the log, the HTTP endpoints, every file under storage (the SQLite WALs
 * included), the JSONL, and every request the stand-in received (each secret may appear only in the
 * one parameter or header meant for it).
 */
class SecretsTest {

    private static final String RTSP_PASSWORD = "RtspPw_7788";
    private static final String KEY = "rf_secret_key_1234";
    private static final String HEALTH_TOKEN = "HealthTok_5566_7788";
    private static final String HOOK_TOKEN = "HookTok_3344";
    private static final String HOOK_SIG = "SigSecret9_x";
    private static final String EVENTS_KEY = "ve_secret_key_9911";
    private static final List<String> SECRETS = List.of(RTSP_PASSWORD, KEY, HEALTH_TOKEN, HOOK_TOKEN, HOOK_SIG, EVENTS_KEY);

    @TempDir
    Path dir;

    private static String get(String url) {
        return HttpClient.create().headers(h -> h.set("Authorization", "Bearer " + HEALTH_TOKEN)).get().uri(url)
                .responseSingle((res, body) -> body.asString()).block(Duration.ofSeconds(10));
    }

    @Test
    void noSecretLeavesThroughTheLogTheEndpointsTheStoresOrTheRequests() throws Exception {
        RoboflowStandIn standIn = new RoboflowStandIn("ws");
        int healthPort = ConfigFolder.freePort();
        int closed = ConfigFolder.freePort();
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                health:
                  port: %d
                  token: ${HEALTH_TOKEN}
                roboflow:
                  api_key: ${ROBOFLOW_API_KEY}
                  api_url: %s
                  workspace: ws
                vision_events:
                  api_key: ${VE_KEY}
                  api_url: %s
                  use_case_id: uc-secrets
                  linger: 100ms
                alerts:
                  source_down: 1s
                  webhook:
                    url: %s/hook?team=edge&sig=${HOOK_SIG}
                    token: ${HOOK_TOKEN}
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl"), healthPort, standIn.url(), standIn.url(),
                standIn.url()));
        Files.writeString(cfg.resolve("cameras/door.yaml"), """
                id: door
                source:
                  type: rtsp
                  url: rtsp://viewer:${RTSP_PASSWORD}@127.0.0.1:%d/stream1
                  timeout: 1s
                  reconnect: {min_delay: 200ms, max_delay: 1s}
                inference:
                  type: none
                aggregation:
                  frequency: 1
                """.formatted(closed));
        Files.writeString(cfg.resolve("cameras/pattern.yaml"), ConfigFolder.PATTERN_CAMERA);
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of("ROBOFLOW_API_KEY", KEY, "HEALTH_TOKEN", HEALTH_TOKEN,
                "HOOK_TOKEN", HOOK_TOKEN, "HOOK_SIG", HOOK_SIG, "RTSP_PASSWORD", RTSP_PASSWORD, "EDGEWATCH_LOG_LEVEL", "debug", "VE_KEY", EVENTS_KEY));
        List<String> outputs = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((standIn.to("/hook").isEmpty() || !standIn.to("/vision-events").stream()
                    .anyMatch(r -> r.body().contains("safety_alert"))) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(standIn.to("/hook")).as("the source_down alert reached the webhook").isNotEmpty();
            assertThat(standIn.to("/vision-events")).as("and Vision Events, with the camera's error")
                    .anySatisfy(r -> assertThat(r.body()).contains("safety_alert", "rtsp://***@127.0.0.1"));
            String base = "http://127.0.0.1:" + healthPort;
            for (String path : List.of("/healthz", "/api/cameras", "/api/alerts", "/metrics")) {
                outputs.add(path + ": " + get(base + path));
            }
            assertThat(String.join("\n", outputs)).as("the camera's error is served").contains("rtsp://***@127.0.0.1");
        } finally {
            daemon.destroy();
            daemon.waitFor(60, TimeUnit.SECONDS);
            daemon.destroyForcibly();
            standIn.close();
        }
        outputs.add("log: " + Files.readString(log));
        try (Stream<Path> files = Files.walk(dir.resolve("var"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                outputs.add(f + ": " + new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        outputs.add("jsonl: " + Files.readString(dir.resolve("out/reports.jsonl")));
        for (String out : outputs) {
            for (String secret : SECRETS) {
                assertThat(out).as(out.substring(0, Math.min(60, out.length())) + " must not carry " + secret).doesNotContain(secret);
            }
        }
        for (RoboflowStandIn.Request r : standIn.requests) {
            boolean hook = r.uri().startsWith("/hook");
            assertThat(r.body()).doesNotContain(RTSP_PASSWORD).doesNotContain(KEY).doesNotContain(HEALTH_TOKEN)
                    .doesNotContain(HOOK_TOKEN).doesNotContain(HOOK_SIG).doesNotContain(EVENTS_KEY);
            assertThat(r.uri()).doesNotContain(EVENTS_KEY);
            if (r.uri().startsWith("/vision-events")) {
                assertThat(r.headers().get("authorization")).isEqualTo("Bearer " + EVENTS_KEY);
                assertThat(r.uri()).doesNotContain(KEY);
            }
            assertThat(r.uri()).doesNotContain(RTSP_PASSWORD).doesNotContain(HEALTH_TOKEN).doesNotContain(HOOK_TOKEN);
            if (hook) {
                assertThat(r.uri()).contains("sig=" + HOOK_SIG).doesNotContain(KEY);
                assertThat(r.headers().get("authorization")).isEqualTo("Bearer " + HOOK_TOKEN);
            } else {
                assertThat(r.uri()).doesNotContain(HOOK_SIG);
                assertThat(String.valueOf(r.headers().get("authorization"))).doesNotContain(HOOK_TOKEN);
            }
        }
    }
}
