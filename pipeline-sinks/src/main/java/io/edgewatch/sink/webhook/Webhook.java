package io.edgewatch.sink.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.sink.outbox.DeliveryException;
import io.edgewatch.sink.outbox.JsonRestamper;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxSender;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * JSON messages to an HTTP webhook, through the outbox: each message is committed to disk first,
 * then POSTed by the outbox's sender (in order, retried with backoff on network errors, 5xx and
 * 429; stopped and probed on 401/403/404; other 4xx to the dead letters), so a message posted while
 * the receiver is down arrives once it is back, restarts included. The daemon sends its alerts
 * this way.
 */
public final class Webhook implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Webhook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The outbox destination of the alert webhook. */
    public static final String DESTINATION = "alert-webhook";

    private final Outbox outbox;
    private final ConnectionProvider pool = ConnectionProvider.create("edgewatch-alert-webhook", 1);
    private final OutboxSender sender;

    public Webhook(Outbox outbox, WebhookOptions options) {
        this.outbox = outbox;
        String url = options.url();
        HttpClient http = HttpClient.create(pool).responseTimeout(options.timeout()).headers(h -> {
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            if (!options.token().isEmpty()) {
                h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token().reveal());
            }
        });
        OutboxSender.Transport transport = (kind, body) -> http.post().uri(url)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .responseSingle((res, content) -> content.asByteArray().defaultIfEmpty(new byte[0]).flatMap(b -> {
                    int status = res.status().code();
                    if (status >= 200 && status < 300) {
                        return Mono.<Void>empty();
                    }
                    boolean retry = status == 429 || status >= 500;
                    long after = DeliveryException.retryAfterMillis(res.responseHeaders().get("Retry-After"));
                    String answer = status >= 300 && status < 400
                            ? DeliveryException.redirect(status, res.responseHeaders().get(HttpHeaderNames.LOCATION))
                                    + ", which is never followed"
                            : "HTTP " + status;
                    return Mono.<Void>error(new DeliveryException("alert webhook " + url + " answered " + answer
                            + (DeliveryException.stopsDestination(status) ? " (check alerts.webhook.url and token)" : ""),
                            status, retry, after));
                }))
                .onErrorMap(e -> !(e instanceof DeliveryException),
                        e -> new DeliveryException("alert webhook " + url + " unreachable: " + e.getMessage(), 0, true, 0));
        // an alert's time ("at", an instant) moves with a clock step; a flagged one says "clock_suspect": true
        outbox.restamper(DESTINATION, JsonRestamper.of(ZoneOffset.UTC, "at"));
        this.sender = new OutboxSender(outbox, DESTINATION, transport, Duration.ofMillis(500), Duration.ofSeconds(60),
                Duration.ofSeconds(60), false).start();
        log.info("alerts go to the webhook {}{}", url, options.token().isEmpty() ? "" : " (with a bearer token)");
    }

    /**
     * Commits {@code body} (as a JSON object, keys in its order) to the outbox under {@code key}
     * (a camera id) and {@code kind}; the sender delivers it.
     *
     * @throws IllegalStateException when it cannot be committed
     */
    public void post(String key, String kind, Map<String, ?> body) {
        try {
            outbox.append(DESTINATION, key, kind, JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
            sender.wake();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        close(OutboxSender.DEFAULT_STOP_GRACE);
    }

    /** Closes, giving a delivery in flight up to {@code grace} to finish and record its result. */
    public void close(Duration grace) {
        sender.close(grace);
        pool.disposeLater().block(Duration.ofSeconds(5));
    }
}
