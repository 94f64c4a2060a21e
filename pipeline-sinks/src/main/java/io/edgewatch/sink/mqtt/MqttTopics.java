package io.edgewatch.sink.mqtt;

/**
 * The topics of one box: {@code {prefix}/{device}/{camera}/window}, {@code .../alert}, the
 * retained {@code .../state}, and {@code {prefix}/{device}/availability} (retained: {@code online},
 * {@code offline} as the last will, {@code stopped} after a clean stop). The daemon's own alerts go
 * to {@code {prefix}/{device}/daemon/alert}.
 *
 * @param prefix {@code topic_prefix}: one or more topic levels
 * @param device this box's level: {@code device_id}, else the client id
 */
public record MqttTopics(String prefix, String device) {

    public MqttTopics {
        String bad = problem(prefix, true);
        if (bad != null) {
            throw new IllegalArgumentException("topic_prefix " + bad);
        }
        bad = problem(device, false);
        if (bad != null) {
            throw new IllegalArgumentException("the device's topic level " + bad);
        }
    }

    /**
     * What a broker would refuse in {@code text} as a topic level ({@code levels}: several, '/'
     * between them), or null when it is fine: the wildcards {@code +} and {@code #}, NUL, an empty
     * text or level, a leading {@code $} (the broker's own topics), more than 65535 bytes.
     */
    public static String problem(String text, boolean levels) {
        if (text == null || text.isEmpty()) {
            return "is empty";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+' || c == '#' || c == 0) {
                return "contains '" + (c == 0 ? "\\0" : String.valueOf(c)) + "' at " + (i + 1)
                        + ", which MQTT refuses in a topic name (a wildcard or NUL)";
            }
            if (c == '/' && !levels) {
                return "contains '/' at " + (i + 1) + ": it must be one topic level";
            }
        }
        if (text.startsWith("$")) {
            return "starts with '$': such topics are the broker's own";
        }
        if (levels && (text.startsWith("/") || text.endsWith("/") || text.contains("//"))) {
            return "has an empty topic level (a '/' at the start, the end or twice)";
        }
        if (text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 60_000) {
            return "is too long for a topic";
        }
        return null;
    }

    /** {@code {prefix}/{device}}: every topic of this box is under it. */
    public String root() {
        return prefix + "/" + device;
    }

    public String window(String camera) {
        return root() + "/" + camera + "/window";
    }

    public String alert(String camera) {
        return root() + "/" + camera + "/alert";
    }

    public String state(String camera) {
        return root() + "/" + camera + "/state";
    }

    public String availability() {
        return root() + "/availability";
    }
}
