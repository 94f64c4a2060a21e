package io.edgewatch.sink.roboflow;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.secret.ApiKeys;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Roboflow's Model Monitoring API over one immutable Reactor Netty {@link HttpClient} with a
 * named, bounded connection pool and a response timeout. Every failure is a
 * {@link RoboflowException} whose message names the URL with the key masked.
 *
 * <p>The workspace comes from the options or from {@code GET {base}/?api_key=&nocache=true}, whose
 * answer is cached for 15 minutes under the MD5 of the key, never under the key.
 */
public final class RoboflowClient implements AutoCloseable {

    private static final Pattern SLUG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Duration WORKSPACE_TTL = Duration.ofMinutes(15);
    /** Answers we read (the workspace lookup) are small; anything bigger is not an answer of Roboflow's. */
    private static final int MAX_ANSWER_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RoboflowOptions options;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private final Map<String, CachedWorkspace> workspaces = new ConcurrentHashMap<>();

    private record CachedWorkspace(String slug, long expiresAtNanos) {
    }

    public RoboflowClient(RoboflowOptions options) {
        this.options = options;
        this.pool = ConnectionProvider.builder("edgewatch-roboflow")
                .maxConnections(Math.max(1, options.maxInFlight()))
                .pendingAcquireMaxCount(256)
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        this.http = HttpClient.create(pool)
                .responseTimeout(options.responseTimeout())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.responseTimeout().toMillis()))
                .headers(h -> h.set("X-Roboflow-Inference-Version", options.version()).set("X-Allow-Chunked", "true"));
    }

    public RoboflowOptions options() {
        return options;
    }

    /** {@code POST /{workspace}/inference-stats} or {@code .../metadata} with a JSON body; completes on 2xx. */
    public Mono<Void> post(String kind, byte[] body) {
        return workspace().flatMap(ws -> {
            String url = options.apiUrl() + "/" + ws + "/inference-stats"
                    + ("metadata".equals(kind) ? "/metadata?api_key=" + enc(options.apiKey().reveal()) + "&nocache=true"
                    : "?api_key=" + enc(options.apiKey().reveal()));
            return http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
                    .post()
                    .uri(url)
                    .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                    .response()
                    .onErrorMap(e -> !(e instanceof RoboflowException), e -> transportFailure(url, e))
                    .flatMap(res -> {
                        int status = res.status().code();
                        if (status >= 200 && status < 300) {
                            return Mono.<Void>empty();
                        }
                        return Mono.error(httpFailure(url, status, res.responseHeaders()));
                    });
        });
    }

    /** The workspace slug: configured, cached, or looked up. */
    public Mono<String> workspace() {
        if (options.workspace() != null) {
            return Mono.just(options.workspace());
        }
        String cacheKey = ApiKeys.md5(options.apiKey().reveal());
        CachedWorkspace cached = workspaces.get(cacheKey);
        if (cached != null && cached.expiresAtNanos - System.nanoTime() > 0) {
            return Mono.just(cached.slug);
        }
        String url = options.apiUrl() + "/?api_key=" + enc(options.apiKey().reveal()) + "&nocache=true";
        return http.get().uri(url)
                .responseSingle((res, content) -> {
                    int status = res.status().code();
                    if (status < 200 || status >= 300) {
                        return Mono.error(httpFailure(url, status, res.responseHeaders()));
                    }
                    return content.asByteArray().defaultIfEmpty(new byte[0]);
                })
                .onErrorMap(e -> !(e instanceof RoboflowException), e -> transportFailure(url, e))
                .map(bytes -> {
                    String slug = null;
                    try {
                        if (bytes.length <= MAX_ANSWER_BYTES) {
                            JsonNode node = JSON.readTree(bytes);
                            slug = node != null && node.get("workspace") != null && node.get("workspace").isTextual()
                                    ? node.get("workspace").asText() : null;
                        }
                    } catch (Exception ignored) {
                        // not JSON: the same as no workspace
                    }
                    if (slug == null || !SLUG.matcher(slug).matches()) {
                        throw new RoboflowException("the workspace lookup at " + ApiKeys.redact(url, options.apiKey().reveal())
                                + " did not name a workspace: check your API key", 0, false, 0);
                    }
                    workspaces.put(cacheKey, new CachedWorkspace(slug, System.nanoTime() + WORKSPACE_TTL.toNanos()));
                    return slug;
                });
    }

    private RoboflowException httpFailure(String url, int status, HttpHeaders headers) {
        return Failures.http(url, status, headers, options.apiKey().reveal());
    }

    private RoboflowException transportFailure(String url, Throwable e) {
        return Failures.transport(url, e, options.responseTimeout(), options.apiKey().reveal());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
