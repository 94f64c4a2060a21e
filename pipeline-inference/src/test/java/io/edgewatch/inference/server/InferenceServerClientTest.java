package io.edgewatch.inference.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.inference.InferenceException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/**
 * Security review finding 9: an Inference Server (hostile, broken, or not one at all) answering
 * without end is cut off once its answer passes 16 MiB, as it arrives, instead of being buffered
 * whole before the size is checked; one that declares a huge {@code Content-Length} is refused
 * before its body is read.
 */
class InferenceServerClientTest {

    private static final int MIB = 1 << 20;
    private static final int CHUNKS = 96;

    @Test
    void anEndlessAnswerIsCutOffPastSixteenMebibytesNotBufferedWhole() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        // how the server's sending of /big ended: "complete" once every byte was written, else "cut"
        AtomicReference<String> big = new AtomicReference<>();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.post("/big", (req, res) -> req.receive().then(res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .send(Flux.range(0, CHUNKS).map(i -> {
                            sent.incrementAndGet();
                            return Unpooled.wrappedBuffer(new byte[MIB]);
                        }), b -> true).then().doOnSuccess(v -> big.set("complete")).doOnError(e -> big.set("cut"))
                                .doOnCancel(() -> big.set("cut"))))
                        .post("/declared", (req, res) -> req.receive().then(res.header(HttpHeaderNames.CONTENT_LENGTH,
                                String.valueOf(CHUNKS * (long) MIB)).send(Flux.range(0, CHUNKS).map(i -> {
                                    sent.incrementAndGet();
                                    return Unpooled.wrappedBuffer(new byte[MIB]);
                                }), b -> true).then())))
                .bindNow(Duration.ofSeconds(10));
        try (InferenceServerClient client = new InferenceServerClient("http://127.0.0.1:" + server.port(), 2, Duration.ofSeconds(60))) {
            StepVerifier.create(client.post("/big", "application/json", new byte[] {'{', '}'}, "test-key-1234"))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InferenceException.class)
                            .hasMessageContaining("more than " + 16 * MIB + " bytes")
                            .extracting(x -> ((InferenceException) x).kind()).isEqualTo(InferenceException.Kind.MALFORMED))
                    .verify(Duration.ofSeconds(60));
            // the client closed the connection at 16 MiB: the server could not write all of it
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (big.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(big.get()).as("how the server's " + CHUNKS + " MiB answer ended").isEqualTo("cut");

            sent.set(0);
            StepVerifier.create(client.post("/declared", "application/json", new byte[] {'{', '}'}, "test-key-1234"))
                    .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("answer of " + CHUNKS * (long) MIB + " bytes"))
                    .verify(Duration.ofSeconds(60));
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }
}
