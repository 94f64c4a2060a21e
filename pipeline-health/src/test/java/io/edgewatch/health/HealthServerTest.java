package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.sink.samples.Sample;
import io.edgewatch.sink.samples.SampleStore;

/**
 * What the endpoint refuses of what a browser elsewhere sends (security review 2, 3 and 8), on
 * real sockets with raw requests (the {@code Host} header is the point): a POST from another
 * origin, or with a body type a page may send without a preflight, changes nothing; a request
 * whose {@code Host} is not this box's name or address (DNS rebinding) is refused; every answer
 * carries the headers that keep it from being sniffed, framed or leaked.
 */
class HealthServerTest {

    @TempDir
    Path dir;

    /** A raw answer: status, headers (lower-case names), body. */
    record Answer(int status, Map<String, String> headers, String body) {
    }

    /** Sends one request as written (with {@code Connection: close}) and reads the whole answer. */
    static Answer send(int port, String method, String path, String... headers) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            boolean host = false;
            for (String h : headers) {
                req.append(h).append("\r\n");
                host |= h.toLowerCase(Locale.ROOT).startsWith("host:");
            }
            if (!host) {
                req.append("Host: 127.0.0.1:").append(port).append("\r\n");
            }
            req.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String[] head = text.substring(0, end).split("\r\n");
            Map<String, String> hs = new LinkedHashMap<>();
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                hs.put(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), head[i].substring(colon + 1).trim());
            }
            return new Answer(Integer.parseInt(head[0].split(" ")[1]), hs, text.substring(end + 4));
        }
    }

    private static Health health(AtomicInteger reloads) {
        Health health = new Health(Clock.systemUTC());
        health.camera("cam-1", "m/1", Duration.ofSeconds(5), SourceProbe.of(true,
                () -> new SourceStatus(SourceStatus.State.STREAMING, Instant.now(), 0, null)), AlertOptions.DEFAULTS);
        health.onReload(() -> {
            reloads.incrementAndGet();
            return new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("applied", true);
        });
        return health;
    }

    @Test
    void aPostFromAnotherOriginOrWithoutAJsonBodyTypeChangesNothing() throws Exception {
        AtomicInteger reloads = new AtomicInteger();
        try (Health health = health(reloads); HealthServer server = HealthServer.start(health, "127.0.0.1", 0, null)) {
            int port = server.port();
            for (String path : List.of("/api/reload", "/api/cameras/cam-1/baseline/relearn")) {
                Answer foreign = send(port, "POST", path, "Origin: http://evil.example", "Content-Type: application/json");
                assertThat(foreign.status()).as(path + " from another origin").isEqualTo(403);
                assertThat(foreign.body()).contains("another origin");
                Answer otherPort = send(port, "POST", path, "Origin: http://127.0.0.1:1", "Content-Type: application/json");
                assertThat(otherPort.status()).as(path + " from another port of this box").isEqualTo(403);
                Answer fetchSite = send(port, "POST", path, "Sec-Fetch-Site: cross-site", "Content-Type: application/json");
                assertThat(fetchSite.status()).as(path + " with Sec-Fetch-Site: cross-site").isEqualTo(403);
                Answer plain = send(port, "POST", path, "Content-Type: text/plain");
                assertThat(plain.status()).as(path + " as text/plain (no preflight)").isEqualTo(415);
                assertThat(plain.body()).contains("application/json");
                Answer none = send(port, "POST", path);
                assertThat(none.status()).as(path + " with no content type").isEqualTo(415);
            }
            assertThat(reloads.get()).as("reloads run by refused requests").isZero();

            Answer reload = send(port, "POST", "/api/reload", "Origin: http://127.0.0.1:" + port,
                    "Content-Type: application/json; charset=utf-8", "Sec-Fetch-Site: same-origin");
            assertThat(reload.status()).as(reload.body()).isEqualTo(200);
            assertThat(reloads.get()).isEqualTo(1);
            Answer relearn = send(port, "POST", "/api/cameras/cam-1/baseline/relearn", "Content-Type: application/json");
            assertThat(relearn.status()).as(relearn.body()).isEqualTo(200);
            assertThat(relearn.body()).contains("\"learning\":true");
            assertThat(health.scrape()).contains("edgewatch_health_refused_total{reason=\"cross_origin\"} 6.0")
                    .contains("edgewatch_health_refused_total{reason=\"not_json\"} 4.0");
        }
    }

    @Test
    void aRequestForAnotherHostIsRefusedTheBoxsOwnNamesAreServed() throws Exception {
        try (Health health = health(new AtomicInteger()); HealthServer server = HealthServer.start(health, "127.0.0.1", 0, null)) {
            int port = server.port();
            for (String host : List.of("evil.example:" + port, "evil.example", "127.0.0.1.evil.example:" + port)) {
                for (String path : List.of("/api/cameras", "/", "/api/cameras/cam-1/snapshot.jpg")) {
                    Answer a = send(port, "GET", path, "Host: " + host);
                    assertThat(a.status()).as(path + " for Host " + host).isEqualTo(421);
                }
            }
            assertThat(send(port, "POST", "/api/reload", "Host: evil.example:" + port, "Content-Type: application/json").status())
                    .isEqualTo(421);
            // another port too: an SSH tunnel (ssh -L 9000:localhost:PORT) says Host: localhost:9000
            for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port,
                    "localhost:9000", "127.0.0.1")) {
                Answer a = send(port, "GET", "/api/cameras", "Host: " + host);
                assertThat(a.status()).as("/api/cameras for Host " + host).isEqualTo(200);
                assertThat(a.body()).contains("cam-1");
            }
            assertThat(health.scrape()).contains("edgewatch_health_refused_total{reason=\"wrong_host\"} 10.0");
        }
    }

    @Test
    void withATokenEveryHostIsServedTheTokenGuardsTheEndpoint() throws Exception {
        String token = "a-token-of-twenty-chars";
        try (Health health = health(new AtomicInteger()); HealthServer server = HealthServer.start(health, "127.0.0.1", 0, token)) {
            int port = server.port();
            // a reverse proxy or a DNS name of the box's: served with the token, refused without it
            assertThat(send(port, "GET", "/api/cameras", "Host: edgebox.lan", "Authorization: Bearer " + token).status())
                    .isEqualTo(200);
            assertThat(send(port, "GET", "/api/cameras", "Host: edgebox.lan").status()).isEqualTo(401);
        }
    }

    @Test
    void boundToEveryAddressTheMachinesOwnNameIsServed() throws Exception {
        String name = InetAddress.getLocalHost().getHostName();
        try (Health health = health(new AtomicInteger()); HealthServer server = HealthServer.start(health, "0.0.0.0", 0, null)) {
            int port = server.port();
            assertThat(send(port, "GET", "/api/cameras", "Host: " + name + ":" + port).status()).isEqualTo(200);
            assertThat(send(port, "GET", "/api/cameras", "Host: 127.0.0.1:" + port).status()).isEqualTo(200);
            assertThat(send(port, "GET", "/api/cameras", "Host: evil.example:" + port).status()).isEqualTo(421);
        }
    }

    @Test
    void answersCarryNosniffFrameProtectionACspAndNoReferrerImagesArePrivate() throws Exception {
        SampleStore samples = SampleStore.open(dir, 1_000_000);
        Instant at = Instant.parse("2026-12-02T10:00:00Z");
        Sample sample = new Sample(Sample.id(at, 1), "cam-1", at, "s", List.of(), "m/1", "inf", 4, 4,
                List.of(Prediction.of("cat", 0.7)));
        samples.accept(sample, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9});
        try (Health health = health(new AtomicInteger()); HealthServer server = HealthServer.start(health, "127.0.0.1", 0, null)) {
            health.samples(samples);
            health.snapshots("cam-1", () -> Optional.of(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}));
            int port = server.port();
            for (String path : List.of("/", "/ui/app.js", "/api/cameras", "/healthz", "/metrics", "/nope/%3Cscript%3E",
                    "/api/cameras/cam-1/snapshot.jpg", "/api/cameras/cam-1/samples/" + sample.id() + ".jpg")) {
                Answer a = send(port, "GET", path);
                assertThat(a.status()).as(path).isIn(200, 404);
                assertThat(a.headers()).as(path).containsEntry("x-content-type-options", "nosniff")
                        .containsEntry("x-frame-options", "DENY").containsEntry("referrer-policy", "no-referrer")
                        .containsEntry("content-security-policy", HealthServer.CSP);
            }
            assertThat(HealthServer.CSP).startsWith("default-src 'self';").contains("frame-ancestors 'none'");
            Answer image = send(port, "GET", "/api/cameras/cam-1/samples/" + sample.id() + ".jpg");
            assertThat(image.status()).isEqualTo(200);
            assertThat(image.headers().get("cache-control")).contains("private");
            Answer snapshot = send(port, "GET", "/api/cameras/cam-1/snapshot.jpg");
            assertThat(snapshot.status()).isEqualTo(200);
            assertThat(snapshot.headers().get("cache-control")).contains("private").contains("no-store");
            // a refusal carries them too
            assertThat(send(port, "GET", "/", "Host: evil.example").headers()).containsEntry("x-content-type-options", "nosniff");
        }
    }

    @Test
    void tenWrongTokensFromOneAddressThrottleItsTokensForTheMinute() throws Exception {
        String token = "a-token-of-sixteen-or-more";
        try (Health health = health(new AtomicInteger()); HealthServer server = HealthServer.start(health, "127.0.0.1", 0, token)) {
            int port = server.port();
            assertThat(send(port, "GET", "/healthz").status()).as("no token: not a guess").isEqualTo(401);
            for (int i = 0; i < TokenCheck.MAX_FAILURES; i++) {
                assertThat(send(port, "GET", "/healthz", "Authorization: Bearer guess-" + i).status()).isEqualTo(401);
            }
            Answer throttled = send(port, "GET", "/healthz", "Authorization: Bearer guess-x");
            assertThat(throttled.status()).isEqualTo(429);
            assertThat(throttled.headers()).containsEntry("retry-after", "60");
            assertThat(send(port, "GET", "/healthz", "Authorization: Bearer " + token).status())
                    .as("even the right token: a guess is not checked while throttled").isEqualTo(429);
            assertThat(health.scrape()).contains("edgewatch_health_refused_total{reason=\"throttled\"} 2.0");
        }
    }
}
