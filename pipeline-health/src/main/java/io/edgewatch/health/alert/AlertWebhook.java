package io.edgewatch.health.alert;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.sink.webhook.Webhook;

/**
 * Every alert start and clear to a {@link Webhook}, as {@code {"device_id", "camera_id", "signal",
 * "state": "firing"|"cleared", "at", "baseline", "current", "message"}}. An alert that cannot be
 * committed is logged; the others go on.
 */
public final class AlertWebhook implements Consumer<AlertEvent> {

    private static final Logger log = LoggerFactory.getLogger(AlertWebhook.class);

    private final Webhook webhook;
    private final String deviceId;

    public AlertWebhook(Webhook webhook, String deviceId) {
        this.webhook = webhook;
        this.deviceId = deviceId;
    }

    /** The message body of {@code e}. */
    public static Map<String, Object> body(String deviceId, AlertEvent e) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("device_id", deviceId);
        n.put("camera_id", e.cameraId());
        n.put("signal", e.signal());
        n.put("state", e.firing() ? "firing" : "cleared");
        n.put("at", e.at().toString());
        n.put("baseline", e.baseline());
        n.put("current", e.current());
        n.put("message", e.message());
        return n;
    }

    @Override
    public void accept(AlertEvent e) {
        try {
            webhook.post(e.cameraId(), "alert", body(deviceId, e));
        } catch (RuntimeException ex) {
            log.error("alert {} of camera {} could not be queued for the webhook: {}", e.signal(), e.cameraId(), ex.getMessage());
        }
    }
}
