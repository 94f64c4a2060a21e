package io.edgewatch.inference.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.secret.ApiKeys;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * One Roboflow Inference Server, shared by every camera that uses it: one Reactor Netty client
 * whose connection pool bounds the requests in flight to the server over all cameras (the ones
 * beyond wait for a connection, within the timeout). Every failure is an {@link InferenceException}
 * whose kind says what went wrong and whose message names the URL, never the key.
 */
public final class InferenceServerClient implements AutoCloseable {

    /** Answers bigger than this are not the server's (a detection answer is kilobytes). */
    private static final int MAX_ANSWER_BYTES = 16 << 20;
    /** What is kept of an error's body: enough for the server's message. */
    private static final int MAX_ERROR_BYTES = 64 << 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@code GET /info} says. */
    public record ServerInfo(String name, String version) {
    }

    private final String url;
    private final Duration timeout;
    private final ConnectionProvider pool;
    private final HttpClient http;

    /**
     * @param url the server, e.g. {@code http://127.0.0.1:9001}
     * @param maxInFlight requests in flight at once over every camera
     * @param timeout how long one request may take, waiting for a connection and connecting included
     */
    public InferenceServerClient(String url, int maxInFlight, Duration timeout) {
        this.url = url.replaceAll("/+$", "");
        this.timeout = timeout;
        this.pool = ConnectionProvider.builder("edgewatch-inference-server")
                .maxConnections(maxInFlight)
                .pendingAcquireMaxCount(-1) // the cameras bound their own frames in flight
                .pendingAcquireTimeout(timeout)
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        this.http = HttpClient.create(pool)
                .responseTimeout(timeout)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    public String url() {
        return url;
    }

    /** A camera's model on this server; JPEG encoding runs on {@code encoders}, which may block. */
    public InferenceAdapter adapter(String cameraId, InferenceServerOptions options, Scheduler encoders) {
        return new ServerAdapter(this, cameraId, options, encoders);
    }

    /** {@code GET /info}. */
    public Mono<ServerInfo> info() {
        return call(http.get().uri(url + "/info"), url + "/info", "").map(body -> {
            try {
                JsonNode n = JSON.readTree(body);
                return new ServerInfo(n.path("name").asText("?"), n.path("version").asText("?"));
            } catch (IOException e) {
                throw new InferenceException(InferenceException.Kind.MALFORMED,
                        url + "/info did not answer JSON: is this a Roboflow Inference Server?");
            }
        });
    }

    /** POSTs a body; the answer's bytes on 2xx, else a classified {@link InferenceException}. */
    Mono<byte[]> post(String pathAndQuery, String contentType, byte[] body, String apiKey) {
        String target = url + pathAndQuery;
        return call(http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, contentType))
                .post().uri(target).send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body))), target, apiKey);
    }

    /**
     * The answer read as it arrives, never more than {@link #MAX_ANSWER_BYTES} of it held: a
     * longer one (by its {@code Content-Length}, or once that many bytes came) fails at once and
     * its connection is closed, instead of being buffered whole first. An error's body is kept up
     * to {@link #MAX_ERROR_BYTES} (it only says why) and the rest read and dropped.
     */
    private Mono<byte[]> call(HttpClient.ResponseReceiver<?> request, String target, String apiKey) {
        return request.response((res, content) -> {
                    int status = res.status().code();
                    boolean ok = status >= 200 && status < 300;
                    long declared = res.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
                    if (ok && declared > MAX_ANSWER_BYTES) {
                        return Mono.<byte[]>error(tooLarge(declared + " bytes", target, apiKey));
                    }
                    int keep = ok ? MAX_ANSWER_BYTES : MAX_ERROR_BYTES;
                    return content.asByteArray()
                            .reduceWith(ByteArrayOutputStream::new, (out, chunk) -> {
                                if (ok && out.size() + chunk.length > keep) {
                                    throw tooLarge("more than " + keep + " bytes", target, apiKey); // cancels the rest
                                }
                                out.write(chunk, 0, Math.min(chunk.length, keep - out.size()));
                                return out;
                            })
                            .flatMap(out -> ok ? Mono.just(out.toByteArray())
                                    : Mono.<byte[]>error(httpFailure(target, apiKey, status, out.toByteArray())));
                })
                .next()
                .onErrorMap(e -> !(e instanceof InferenceException), e -> transportFailure(target, apiKey, e));
    }

    private InferenceException tooLarge(String size, String target, String apiKey) {
        return new InferenceException(InferenceException.Kind.MALFORMED, "answer of " + size + " from " + redact(target, apiKey)
                + ": a detection answer is kilobytes; is this a Roboflow Inference Server?");
    }

    private InferenceException httpFailure(String target, String apiKey, int status, byte[] body) {
        String said = serverMessage(body);
        String where = redact(target, apiKey);
        String message = switch (status) {
            case 401, 403 -> "the inference server refused the API key (HTTP " + status + ") at " + where
                    + ": check inference.api_key";
            case 404 -> "not found (HTTP 404) at " + where
                    + ": check inference.model_id (and legacy_route: true for servers without the v1 API)";
            default -> "HTTP " + status + " from " + where;
        };
        InferenceException.Kind kind = status == 429 || status >= 500 ? InferenceException.Kind.UNAVAILABLE
                : InferenceException.Kind.REJECTED;
        return new InferenceException(kind, said.isEmpty() ? message : message + ": " + redact(said, apiKey));
    }

    private InferenceException transportFailure(String target, String apiKey, Throwable e) {
        String where = redact(target, apiKey);
        if (e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")) {
            return new InferenceException(InferenceException.Kind.TIMEOUT,
                    "no answer from " + where + " within " + timeout.toMillis() + " ms", e);
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return new InferenceException(InferenceException.Kind.UNAVAILABLE,
                    "the inference server at " + url + " is unreachable (" + e.getMessage() + "): is it running?", e);
        }
        return new InferenceException(InferenceException.Kind.UNAVAILABLE,
                "request to " + where + " failed: " + redact(e.getClass().getSimpleName() + ": " + e.getMessage(), apiKey), e);
    }

    /** The {@code message} (or {@code detail}) of a JSON error answer, shortened; else empty. */
    private static String serverMessage(byte[] body) {
        if (body.length == 0 || body.length > 64 * 1024) {
            return "";
        }
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode m = n == null ? null : n.has("message") ? n.get("message") : n.get("detail");
            String s = m == null || m.isNull() ? "" : m.isTextual() ? m.asText() : m.toString();
            return s.length() > 300 ? s.substring(0, 300) + "…" : s;
        } catch (IOException e) {
            String s = new String(body, StandardCharsets.UTF_8).strip();
            return s.length() > 120 ? s.substring(0, 120) + "…" : s;
        }
    }

    private static String redact(String text, String apiKey) {
        return ApiKeys.redact(text, apiKey);
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(5));
    }
}
