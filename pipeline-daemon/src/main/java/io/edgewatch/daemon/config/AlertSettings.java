package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.daemon.health.alert.AlertOptions;

/**
 * An {@code alerts:} section: daemon-wide in {@code edgewatch.yaml}, overridden key by key in a
 * camera file.
 *
 * @param enabled whether the camera's alerts are evaluated
 * @param baselinePeriod how long the baseline is learnt from the camera's start
 */
public record AlertSettings(boolean enabled, Duration baselinePeriod, double confidenceDrop, double psiLimit,
                            int recentWindows, double latencyFactor, double throughputDrop, double errorRate,
                            Duration sustain, Duration sourceDown) {

    public static final AlertSettings DEFAULTS = new AlertSettings(true, Duration.ofHours(1), AlertOptions.DEFAULTS.confidenceDrop(),
            AlertOptions.DEFAULTS.psiLimit(), AlertOptions.DEFAULTS.recentWindows(), AlertOptions.DEFAULTS.latencyFactor(),
            AlertOptions.DEFAULTS.throughputDrop(), AlertOptions.DEFAULTS.errorRate(), AlertOptions.DEFAULTS.sustain(),
            AlertOptions.DEFAULTS.sourceDown());

    /** The engine's options for a camera whose windows are {@code frequency} long; null when disabled. */
    public AlertOptions options(Duration frequency) {
        if (!enabled) {
            return null;
        }
        int windows = (int) Math.max(1, Math.min(Integer.MAX_VALUE, baselinePeriod.toMillis() / Math.max(1, frequency.toMillis())));
        return new AlertOptions(windows, confidenceDrop, psiLimit, recentWindows, latencyFactor, throughputDrop, errorRate, sustain, sourceDown);
    }
}
