package io.edgewatch.daemon.config;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.health.InferenceStats;
import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.sink.webhook.WebhookOptions;

/**
 * {@code alerts:} daemon-wide in {@code edgewatch.yaml} over {@link AlertOptions#DEFAULTS}, and
 * overridden key by key in a camera file over the daemon's; {@code alerts.webhook}. Pinned
 * baseline times are local ({@code YYYY-MM-DD HH:mm:ss}, as the statistics endpoint takes them).
 */
final class AlertsReader {

    private AlertsReader() {
    }

    /** An {@code alerts} section over {@code d}: the defaults, or a camera's overrides of the daemon's. */
    static AlertOptions read(Section s, AlertOptions d) {
        boolean enabled = s.bool("enabled", d.enabled());
        Duration period = s.duration("baseline_period", d.baselinePeriod(), Duration.ofSeconds(1));
        double confidenceDrop = s.number("confidence_drop", d.confidenceDrop(), 0, 1);
        double psiLimit = s.number("psi_limit", d.psiLimit(), 0, 100);
        int recentWindows = s.integer("recent_windows", d.recentWindows(), 1, 100_000);
        double latencyFactor = s.number("latency_factor", d.latencyFactor(), 1, 1000);
        double throughputDrop = s.number("throughput_drop", d.throughputDrop(), 0, 1);
        double errorRate = s.number("error_rate", d.errorRate(), 0, 1);
        Duration sustain = s.duration("sustain", d.sustain(), Duration.ZERO);
        Duration sourceDown = s.duration("source_down", d.sourceDown(), Duration.ZERO);
        double malformedRate = s.number("malformed_rate", d.malformedRate(), 0, 1);
        Instant from = localTime(s, "baseline_from", d.baselineFrom());
        Instant to = localTime(s, "baseline_to", d.baselineTo());
        boolean oneSided = (from == null) != (to == null);
        if (oneSided) {
            s.error(from == null ? "baseline_from" : "baseline_to",
                    "baseline_from and baseline_to pin the baseline together: set both, or neither to learn it");
        } else if (from != null && !from.isBefore(to)) {
            s.error("baseline_to", "must be after baseline_from ("
                    + LocalDateTime.ofInstant(from, ZoneId.systemDefault()).format(InferenceStats.TIME) + ")");
        }
        if (oneSided || from != null && !from.isBefore(to)) {
            // the error is recorded; what goes on being checked must not break on it
            from = null;
            to = null;
        }
        s.rejectUnknownKeys();
        return new AlertOptions(enabled, period, confidenceDrop, psiLimit, recentWindows, latencyFactor, throughputDrop, errorRate,
                sustain, sourceDown, malformedRate, from, to);
    }

    /** A local time written {@code YYYY-MM-DD HH:mm:ss} in this machine's zone, or {@code def}. */
    private static Instant localTime(Section s, String key, Instant def) {
        String t = s.string(key, null);
        if (t == null || t.isBlank()) {
            return def;
        }
        try {
            return LocalDateTime.parse(t.trim(), InferenceStats.TIME).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeException e) {
            s.error(key, Echo.quote(t) + " is not a local time of the form YYYY-MM-DD HH:mm:ss, such as 2026-11-20 08:00:00");
            return def;
        }
    }

    /** {@code alerts.webhook}; null when it has no URL. */
    static WebhookOptions webhook(Section s) {
        String url = s.string("url", "");
        String token = s.string("token", "");
        Duration timeout = s.duration("timeout", WebhookOptions.DEFAULT_TIMEOUT, Duration.ofMillis(100));
        s.rejectUnknownKeys();
        if (url.isEmpty() || !s.httpUrl("url", url, "https://hooks.example.com/edgewatch")) {
            return null;
        }
        return new WebhookOptions(url, Secret.of(token), timeout);
    }
}
