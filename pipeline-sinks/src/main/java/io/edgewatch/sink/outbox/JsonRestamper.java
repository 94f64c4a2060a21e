package io.edgewatch.sink.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The {@link Restamper} of JSON bodies: every string field, at any depth, whose name is one of
 * {@code fields} and that reads as a time is moved by the step, in its own shape (an instant with
 * {@code Z}, a time with an offset, or a local time without a zone, read in {@code zone}; as many
 * digits of fraction as it had). Flagging adds {@code "clock_suspect": true} to the top-level
 * object unless told otherwise ({@link #flaggingWith}). A body that is not a JSON object or array
 * (an image, a multipart envelope) is returned as it is.
 *
 * <p>What a sink whose bodies are JSON registers: {@code outbox.restamper(DESTINATION,
 * JsonRestamper.of(zone, "timestamp"))}. Immutable, thread-safe.
 */
public final class JsonRestamper implements Restamper {

    /** The field a flagged JSON body carries: it was stamped on a clock known wrong, never corrected. */
    public static final String FLAG = "clock_suspect";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ZoneId zone;
    private final Set<String> fields;
    private final Consumer<ObjectNode> flag;

    private JsonRestamper(ZoneId zone, Set<String> fields, Consumer<ObjectNode> flag) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.fields = Set.copyOf(fields);
        this.flag = flag;
    }

    /** Moves the times in the fields named {@code fields}; local times (no zone) are read in {@code zone}. */
    public static JsonRestamper of(ZoneId zone, String... fields) {
        return new JsonRestamper(zone, Set.of(fields), top -> top.put(FLAG, true));
    }

    /** This restamper, flagging a body's top-level object with {@code flag} instead (a wire format that takes no unknown key there). */
    public JsonRestamper flaggingWith(Consumer<ObjectNode> flag) {
        return new JsonRestamper(zone, fields, flag);
    }

    @Override
    public byte[] restamp(String kind, byte[] body, Duration by) {
        JsonNode tree = read(body);
        if (tree == null) {
            return body;
        }
        shift(tree, by);
        return write(tree);
    }

    @Override
    public byte[] flag(String kind, byte[] body) {
        JsonNode tree = read(body);
        if (!(tree instanceof ObjectNode top)) {
            return body;
        }
        flag.accept(top);
        return write(top);
    }

    private void shift(JsonNode node, Duration by) {
        if (node instanceof ObjectNode o) {
            for (String name : o.properties().stream().map(Map.Entry::getKey).toList()) {
                JsonNode value = o.get(name);
                if (value.isTextual() && fields.contains(name)) {
                    String moved = shift(value.asText(), by);
                    if (moved != null) {
                        // set in its place: the key order is the wire format's
                        o.put(name, moved);
                    }
                } else {
                    shift(value, by);
                }
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(child -> shift(child, by));
        }
    }

    /** {@code text} moved by {@code by} in its own shape; null when it is not a time. */
    String shift(String text, Duration by) {
        int fraction = fractionDigits(text);
        String whole = "yyyy-MM-dd'T'HH:mm:ss" + (fraction > 0 ? "." + "S".repeat(fraction) : "");
        try {
            Instant t = Instant.parse(text);
            if (text.endsWith("Z")) {
                return DateTimeFormatter.ofPattern(whole + "'Z'").withZone(ZoneOffset.UTC).format(t.plus(by));
            }
        } catch (DateTimeParseException notAnInstant) {
            // an offset, or no zone
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(text);
            return DateTimeFormatter.ofPattern(whole + "xxx").format(t.plus(by));
        } catch (DateTimeParseException noOffset) {
            // no zone
        }
        try {
            LocalDateTime t = LocalDateTime.parse(text);
            return DateTimeFormatter.ofPattern(whole).format(t.atZone(zone).plus(by).toLocalDateTime());
        } catch (DateTimeParseException notATime) {
            return null;
        }
    }

    /** Digits after the seconds' point: 6 for Python's isoformat(), 3 for millisecond instants, 0 for none. */
    private static int fractionDigits(String text) {
        int t = text.indexOf('T');
        int dot = t < 0 ? -1 : text.indexOf('.', t);
        if (dot < 0) {
            return 0;
        }
        int end = dot + 1;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        return end - dot - 1;
    }

    private static JsonNode read(byte[] body) {
        int i = 0;
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        if (i == body.length || body[i] != '{' && body[i] != '[') {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + e.getMessage(), e);
        }
    }

    private static byte[] write(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
