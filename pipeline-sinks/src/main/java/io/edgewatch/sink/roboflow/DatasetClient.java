package io.edgewatch.sink.roboflow;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Roboflow's dataset upload, as the reference's active learning calls it: an image to
 * {@code POST {base}/dataset/{project}/upload}, then its annotation to
 * {@code .../annotate/{imageId}} with {@code prediction=true}. The key goes in the query (the
 * workspace comes from it); every failure is a {@link RoboflowException} naming the URL with the
 * key masked.
 */
public final class DatasetClient implements AutoCloseable {

    /** Image ids as Roboflow issues them: anything else is not put in a path. */
    private static final Pattern IMAGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An uploaded image: its id, and whether Roboflow already had it (then it is not annotated again). */
    public record Upload(String imageId, boolean duplicate) {
    }

    private final DatasetOptions options;
    private final ConnectionProvider pool;
    private final HttpClient http;

    public DatasetClient(DatasetOptions options) {
        this.options = options;
        this.pool = ConnectionProvider.builder("edgewatch-dataset").maxConnections(2).pendingAcquireMaxCount(256)
                .maxIdleTime(Duration.ofSeconds(30)).build();
        this.http = HttpClient.create(pool)
                .responseTimeout(options.responseTimeout())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.responseTimeout().toMillis()));
    }

    /** Uploads {@code jpeg} as {@code name} into {@code batch} with {@code tags} (query order: api_key, batch, each tag). */
    public Mono<Upload> upload(String name, String batch, List<String> tags, byte[] jpeg) {
        StringBuilder url = new StringBuilder(options.apiUrl()).append("/dataset/").append(enc(options.project()))
                .append("/upload?api_key=").append(enc(key())).append("&batch=").append(enc(batch));
        tags.forEach(t -> url.append("&tag=").append(enc(t)));
        Multipart form = new Multipart().field("name", name).file("file", "imageToUpload", "image/jpeg", jpeg);
        return post(url.toString(), form.contentType(), form.body()).map(answer -> {
            String id = answer.path("id").asText("");
            if (answer.path("duplicate").asBoolean(false) && IMAGE_ID.matcher(id).matches()) {
                return new Upload(id, true);
            }
            if (answer.path("success").asBoolean(false) && IMAGE_ID.matcher(id).matches()) {
                return new Upload(id, false);
            }
            throw Failures.refused(url.toString(), refusal(answer, "the upload was not accepted"), key());
        });
    }

    /**
     * Sends {@code annotation} (the text of file {@code name}) for {@code imageId} as the model's
     * prediction; an image that is already annotated (409) counts as done.
     */
    public Mono<Void> annotate(String imageId, String name, String annotation) {
        if (!IMAGE_ID.matcher(imageId).matches()) {
            return Mono.error(Failures.refused(options.apiUrl(), "image id '" + imageId + "' is not one Roboflow issues", key()));
        }
        String url = options.apiUrl() + "/dataset/" + enc(options.project()) + "/annotate/" + imageId + "?api_key="
                + enc(key()) + "&name=" + enc(name) + "&prediction=true";
        return post(url, "text/plain", annotation.getBytes(StandardCharsets.UTF_8))
                .onErrorResume(e -> e instanceof AlreadyAnnotated, e -> Mono.just(JSON.createObjectNode().put("success", true)))
                .flatMap(answer -> answer.path("success").asBoolean(false) ? Mono.<Void>empty()
                        : Mono.error(Failures.refused(url, refusal(answer, "the annotation was not accepted"), key())));
    }

    private static String refusal(JsonNode answer, String otherwise) {
        JsonNode e = answer.path("error");
        String text = e.isTextual() ? e.asText() : e.path("message").asText("");
        return text.isEmpty() ? otherwise : text;
    }

    /** A 409 whose message says the image is already annotated. */
    private static final class AlreadyAnnotated extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AlreadyAnnotated() {
            super(null, null, false, false);
        }
    }

    private Mono<JsonNode> post(String url, String contentType, byte[] body) {
        return http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, contentType))
                .post()
                .uri(url)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .responseSingle((res, content) -> content.asByteArray().defaultIfEmpty(new byte[0]).flatMap(bytes -> {
                    int status = res.status().code();
                    JsonNode answer = JsonBodies.answer(bytes);
                    if (status == 409 && refusal(answer, "").contains("already annotated")) {
                        return Mono.error(new AlreadyAnnotated());
                    }
                    if (status < 200 || status >= 300) {
                        return Mono.error(Failures.http(url, status, res.responseHeaders(), key()));
                    }
                    return Mono.just(answer);
                }))
                .onErrorMap(e -> !(e instanceof RoboflowException) && !(e instanceof AlreadyAnnotated),
                        e -> Failures.transport(url, e, options.responseTimeout(), key()));
    }

    private String key() {
        return options.apiKey().reveal();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        pool.dispose();
    }
}
