package io.edgewatch.daemon.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them: {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 30d}, or plain seconds ({@code 2.5}). */
public final class Durations {

    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    public static Duration parse(String text) {
        Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration such as 500ms, 10s, 2m, 1h or 30d, found " + Echo.quote(text));
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> value;
            case "s" -> value * 1_000;
            case "m" -> value * 60_000;
            case "h" -> value * 3_600_000;
            default -> value * 86_400_000;
        };
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0 || ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        for (long[] unit : new long[][] {{86_400, 'd'}, {3600, 'h'}, {60, 'm'}}) {
            if (s % unit[0] == 0) {
                return s / unit[0] + String.valueOf((char) unit[1]);
            }
        }
        return s + "s";
    }
}
