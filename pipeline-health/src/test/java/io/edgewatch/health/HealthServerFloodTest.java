package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import reactor.netty.http.client.HttpClient;

/**
 * The endpoint holds under a flood of idle connections from a client without a token: it keeps
 * at most its cap open, closes the rest at once and the idle ones after the idle timeout, counts
 * what it rejected, and a client that comes after still gets {@code /healthz}.
 */
class HealthServerFloodTest {

    private static final int FLOOD = 500;

    /** True when the server closed the socket within {@code millis} (a read ends or is reset). */
    private static boolean closedByServer(Socket s, int millis) throws Exception {
        s.setSoTimeout(millis);
        try (InputStream in = s.getInputStream()) {
            return in.read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void aFloodOfIdleConnectionsIsCutToTheCapAndTheEndpointStillAnswers() throws Exception {
        try (Health health = new Health(Clock.systemUTC());
             HealthServer server = HealthServer.start(health, "127.0.0.1", 0, "flood-test-token",
                     new EndpointLimits(16, Duration.ofSeconds(1)))) {
            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < FLOOD; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
                    flood.add(s);
                }
                // the server closes what is over its cap at once and the idle rest after a second
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                int closed = 0;
                for (Socket s : flood) {
                    int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    if (closedByServer(s, left)) {
                        closed++;
                    }
                }
                assertThat(closed).as("every flood connection closed by the server").isEqualTo(FLOOD);
                String healthz = HttpClient.create().headers(h -> h.set("Authorization", "Bearer flood-test-token"))
                        .get().uri(server.url() + "/healthz")
                        .responseSingle((res, body) -> body.asString().map(b -> res.status().code() + " " + b))
                        .block(Duration.ofSeconds(10));
                assertThat(healthz).startsWith("200 ").contains("\"status\":\"ok\"");
                String metrics = health.scrape();
                assertThat(metrics).containsPattern("edgewatch_health_connections_rejected_total (\\d{3,}|[1-9]\\d*)\\.0");
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
        }
    }

    /**
     * A client that sends its request a byte at a time keeps the idle timer from firing; the read
     * timeout closes it anyway, a second after its first byte, and counts it.
     */
    @Test
    void aRequestSentAByteAtATimeIsClosedByTheReadTimeoutAndCounted() throws Exception {
        try (Health health = new Health(Clock.systemUTC());
             HealthServer server = HealthServer.start(health, "127.0.0.1", 0, null,
                     new EndpointLimits(16, Duration.ofSeconds(10), Duration.ofSeconds(1)));
             Socket slow = new Socket("127.0.0.1", server.port())) {
            int sent = 0;
            try {
                OutputStream out = slow.getOutputStream();
                for (byte b : "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) {
                    out.write(b);
                    out.flush();
                    sent++;
                    Thread.sleep(200);
                }
            } catch (IOException closed) {
                // the server closed the connection while we were writing
            }
            assertThat(closedByServer(slow, 5000)).as("closed by the server after %d of the request's bytes", sent).isTrue();
            assertThat(sent).as("bytes sent before the close").isLessThan(20);
            assertThat(health.scrape()).contains("edgewatch_health_refused_total{reason=\"timed_out\"} 1.0");
        }
    }
}
