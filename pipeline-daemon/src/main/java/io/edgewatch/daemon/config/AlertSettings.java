package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.health.alert.AlertOptions;

/**
 * An {@code alerts:} section: daemon-wide in {@code edgewatch.yaml}, overridden key by key in a
 * camera file.
 *
 * @param enabled whether the camera's alerts are evaluated
 * @param baselinePeriod how long the baseline is learnt from the camera's start
 * @param baselineFrom with {@code baselineTo}: the baseline is pinned to the kept windows of this period
 *                     (local time), or null
 */
public record AlertSettings(boolean enabled, Duration baselinePeriod, double confidenceDrop, double psiLimit,
                            int recentWindows, double latencyFactor, double throughputDrop, double errorRate,
                            Duration sustain, Duration sourceDown, double malformedRate,
                            java.time.LocalDateTime baselineFrom, java.time.LocalDateTime baselineTo) {

    public static final AlertSettings DEFAULTS = new AlertSettings(true, Duration.ofHours(1), AlertOptions.DEFAULTS.confidenceDrop(),
            AlertOptions.DEFAULTS.psiLimit(), AlertOptions.DEFAULTS.recentWindows(), AlertOptions.DEFAULTS.latencyFactor(),
            AlertOptions.DEFAULTS.throughputDrop(), AlertOptions.DEFAULTS.errorRate(), AlertOptions.DEFAULTS.sustain(),
            AlertOptions.DEFAULTS.sourceDown(), AlertOptions.DEFAULTS.malformedRate(), null, null);

    /** The engine's options for a camera whose windows are {@code frequency} long; null when disabled. */
    public AlertOptions options(Duration frequency) {
        if (!enabled) {
            return null;
        }
        int windows = (int) Math.max(1, Math.min(Integer.MAX_VALUE, baselinePeriod.toMillis() / Math.max(1, frequency.toMillis())));
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        return new AlertOptions(windows, confidenceDrop, psiLimit, recentWindows, latencyFactor, throughputDrop, errorRate, sustain,
                sourceDown, malformedRate, baselineFrom == null ? null : baselineFrom.atZone(zone).toInstant(),
                baselineTo == null ? null : baselineTo.atZone(zone).toInstant());
    }
}
