package io.edgewatch.sink.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.sink.json.ReportJson;

/**
 * What a broker destination publishes, as JSON: a window is the JSONL line's object
 * ({@link ReportJson}), an alert the webhook's, each led by {@code schema_version},
 * {@code kind} ({@value #WINDOW} or {@value #ALERT}) and {@code message_id}: a UUIDv7 (RFC 9562:
 * milliseconds since the epoch, then random bits, so ids sort by when they were made) fixed when
 * the entry is committed and stored in it, so a retry, or a send after a restart, carries the same
 * id and a consumer can drop what it already has.
 */
public final class BrokerJson {

    /** The shape's version; raised when a field changes meaning or goes (new fields do not raise it). */
    public static final int SCHEMA_VERSION = 1;
    public static final String WINDOW = "window";
    public static final String ALERT = "alert";
    private static final ObjectMapper JSON = new ObjectMapper();

    private BrokerJson() {
    }

    /** A window's message. */
    public static byte[] window(WindowReport r, String deviceId, Map<String, String> metadata, UUID messageId) {
        Map<String, Object> m = head(WINDOW, messageId);
        m.putAll(ReportJson.of(r, deviceId, metadata));
        return bytes(m);
    }

    /**
     * An alert's message: {@code device_id, camera_id} (null for the daemon's own), {@code signal},
     * {@code state} (firing or cleared), {@code at}, {@code baseline}, {@code current} (null when not
     * a number), {@code message}, as the alert webhook has them.
     */
    public static byte[] alert(String deviceId, String cameraId, String signal, boolean firing, Instant at, double baseline,
                               double current, String message, UUID messageId) {
        Map<String, Object> m = head(ALERT, messageId);
        m.put("device_id", deviceId);
        m.put("camera_id", cameraId);
        m.put("signal", signal);
        m.put("state", firing ? "firing" : "cleared");
        m.put("at", at.toString());
        m.put("baseline", Double.isFinite(baseline) ? baseline : null);
        m.put("current", Double.isFinite(current) ? current : null);
        m.put("message", message);
        return bytes(m);
    }

    private static Map<String, Object> head(String kind, UUID messageId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema_version", SCHEMA_VERSION);
        m.put("kind", kind);
        m.put("message_id", messageId.toString());
        return m;
    }

    private static byte[] bytes(Map<String, Object> m) {
        try {
            return JSON.writeValueAsBytes(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The {@code message_id} of a body this class made (read from its head, not the whole body).
     *
     * @throws IllegalArgumentException when the body has none (the entry then goes to the dead letters)
     */
    public static String messageId(byte[] body) {
        try (JsonParser p = JSON.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("message_id".equals(name) && value == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable message: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("a message without message_id");
    }

    private static final MessageIds IDS = new MessageIds();

    /**
     * Makes UUIDv7s: the 12 bits after the version count up within a millisecond (from a random
     * start), so ids made one after another also sort in that order; a clock that steps back keeps
     * the last millisecond until it passes it.
     */
    public static final class MessageIds {
        private long lastMillis;
        private long sequence;

        /** A new UUIDv7 at {@code epochMillis} (or just after the last one made, if that is later). */
        public synchronized UUID next(long epochMillis) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            if (epochMillis > lastMillis) {
                lastMillis = epochMillis;
                sequence = random.nextInt(1 << 11);
            } else if (++sequence >= 1 << 12) {
                lastMillis++;
                sequence = 0;
            }
            long msb = (lastMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | sequence;
            long lsb = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
            return new UUID(msb, lsb);
        }
    }

    /** A new UUIDv7 now. */
    public static UUID uuidV7() {
        return IDS.next(System.currentTimeMillis());
    }
}
