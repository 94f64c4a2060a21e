package io.edgewatch.sink.roboflow;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Roboflow Vision Events over one Reactor Netty client: images to {@code POST /vision-events/upload}
 * (multipart, the answer's {@code sourceId} is what events refer to), one event to
 * {@code POST /vision-events}, several to {@code POST /vision-events/batch}; the use case is looked
 * up by name ({@code GET /vision-events/use-cases}) and created when missing, once. Every call
 * carries {@code Authorization: Bearer}; failures are {@link RoboflowException}s naming the URL.
 */
public final class VisionEventsClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VisionEventsClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final VisionEventsOptions options;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private volatile String useCaseId;

    public VisionEventsClient(VisionEventsOptions options) {
        this.options = options;
        this.useCaseId = options.useCaseId();
        this.pool = ConnectionProvider.builder("edgewatch-vision-events").maxConnections(2).pendingAcquireMaxCount(256)
                .maxIdleTime(Duration.ofSeconds(30)).build();
        this.http = HttpClient.create(pool)
                .responseTimeout(options.responseTimeout())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.responseTimeout().toMillis()))
                .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.apiKey().reveal()));
    }

    /** The use case's id: configured, or found by name (made when there is none), then kept. */
    public Mono<String> useCase() {
        String known = useCaseId;
        if (known != null) {
            return Mono.just(known);
        }
        String url = options.apiUrl() + "/vision-events/use-cases";
        return call(HttpMethod.GET, url, null, null).flatMap(answer -> {
            // older servers answer under "solutions"
            JsonNode list = answer.has("useCases") ? answer.get("useCases") : answer.path("solutions");
            for (JsonNode u : list) {
                if (options.useCaseName().equals(u.path("name").asText()) && u.path("id").isTextual()) {
                    return Mono.just(u.get("id").asText());
                }
            }
            byte[] body = JSON.createObjectNode().put("name", options.useCaseName()).toString().getBytes(StandardCharsets.UTF_8);
            return call(HttpMethod.POST, url, "application/json", body).map(made -> {
                if (!made.path("id").isTextual()) {
                    throw Failures.refused(url, "the new use case has no id", key());
                }
                log.info("vision events: made the use case '{}' ({})", options.useCaseName(), made.get("id").asText());
                return made.get("id").asText();
            });
        }).doOnNext(id -> useCaseId = id);
    }

    /** Uploads an image; its {@code sourceId}. */
    public Mono<String> upload(String name, byte[] jpeg) {
        String url = options.apiUrl() + "/vision-events/upload";
        Multipart form = new Multipart().file("file", name, "image/jpeg", jpeg).field("name", name);
        return call(HttpMethod.POST, url, form.contentType(), form.body()).map(answer -> {
            if (!answer.path("sourceId").isTextual() || answer.path("sourceId").asText().isEmpty()) {
                throw Failures.refused(url, "the upload's answer has no sourceId", key());
            }
            return answer.get("sourceId").asText();
        });
    }

    /** Sends events (each with the use case's id): one alone to {@code /vision-events}, more to {@code /vision-events/batch}. */
    public Mono<Void> send(ArrayNode events) {
        return useCase().flatMap(id -> {
            events.forEach(e -> ((ObjectNode) e).put("useCaseId", id));
            boolean one = events.size() == 1;
            String url = options.apiUrl() + (one ? "/vision-events" : "/vision-events/batch");
            JsonNode body = one ? events.get(0) : JSON.createObjectNode().set("events", events);
            return call(HttpMethod.POST, url, "application/json", body.toString().getBytes(StandardCharsets.UTF_8)).then();
        });
    }

    private Mono<JsonNode> call(HttpMethod method, String url, String contentType, byte[] body) {
        HttpClient client = contentType == null ? http : http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, contentType));
        HttpClient.ResponseReceiver<?> request = body == null ? client.request(method).uri(url)
                : client.request(method).uri(url).send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)));
        return request
                .responseSingle((res, content) -> content.asByteArray().defaultIfEmpty(new byte[0]).flatMap(bytes -> {
                    int status = res.status().code();
                    if (status < 200 || status >= 300) {
                        return Mono.error(Failures.http(url, status, res.responseHeaders(), key()));
                    }
                    return Mono.just(JsonBodies.answer(bytes));
                }))
                .onErrorMap(e -> !(e instanceof RoboflowException), e -> Failures.transport(url, e, options.responseTimeout(), key()));
    }

    private String key() {
        return options.apiKey().reveal();
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
