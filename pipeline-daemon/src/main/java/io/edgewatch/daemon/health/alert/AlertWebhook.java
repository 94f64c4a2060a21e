package io.edgewatch.daemon.health.alert;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.sink.outbox.DeliveryException;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxSender;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Alerts to an HTTP webhook, through the outbox: each start and clear is committed to disk first,
 * then POSTed as JSON by the outbox's sender (in order, retried with backoff on network errors, 5xx
 * and 429; stopped and probed on 401/403/404; other 4xx to the dead letters), so an alert raised
 * while the receiver is down arrives once it is back, restarts included.
 *
 * <p>The body: {@code {"device_id", "camera_id", "signal", "state": "firing"|"cleared", "at",
 * "baseline", "current", "message"}}.
 */
public final class AlertWebhook implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AlertWebhook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DESTINATION = "alert-webhook";

    private final Outbox outbox;
    private final String deviceId;
    private final ConnectionProvider pool = ConnectionProvider.create("edgewatch-alert-webhook", 1);
    private final OutboxSender sender;

    /**
     * @param url where alerts are POSTed
     * @param token sent as {@code Authorization: Bearer} when not null; never logged
     */
    public AlertWebhook(Outbox outbox, String url, String token, String deviceId, Duration timeout) {
        this.outbox = outbox;
        this.deviceId = deviceId;
        HttpClient http = HttpClient.create(pool).responseTimeout(timeout).headers(h -> {
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            if (token != null) {
                h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
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
                    return Mono.<Void>error(new DeliveryException("alert webhook " + url + " answered HTTP " + status
                            + (DeliveryException.stopsDestination(status) ? " (check alerts.webhook.url and token)" : ""),
                            status, retry, after));
                }))
                .onErrorMap(e -> !(e instanceof DeliveryException),
                        e -> new DeliveryException("alert webhook " + url + " unreachable: " + e.getMessage(), 0, true, 0));
        this.sender = new OutboxSender(outbox, DESTINATION, transport, Duration.ofMillis(500), Duration.ofSeconds(60),
                Duration.ofSeconds(60), false).start();
        log.info("alerts go to the webhook {}{}", url, token == null ? "" : " (with a bearer token)");
    }

    /** Commits the alert to the outbox; the sender delivers it. */
    public void send(AlertEvent e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("device_id", deviceId).put("camera_id", e.cameraId()).put("signal", e.signal())
                .put("state", e.firing() ? "firing" : "cleared").put("at", e.at().toString())
                .put("baseline", e.baseline()).put("current", e.current()).put("message", e.message());
        try {
            outbox.append(DESTINATION, e.cameraId(), "alert", JSON.writeValueAsString(n).getBytes(StandardCharsets.UTF_8));
            sender.wake();
        } catch (JsonProcessingException | RuntimeException ex) {
            log.error("alert {} of camera {} could not be queued for the webhook: {}", e.signal(), e.cameraId(), ex.getMessage());
        }
    }

    @Override
    public void close() {
        sender.close();
        pool.disposeLater().block(Duration.ofSeconds(5));
    }
}
