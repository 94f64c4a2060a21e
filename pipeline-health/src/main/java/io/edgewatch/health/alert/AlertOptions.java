package io.edgewatch.health.alert;

import java.time.Duration;
import java.time.Instant;

/**
 * When a camera's alerts fire: {@code alerts:} in {@code edgewatch.yaml}, overridden key by key in
 * a camera file. The baseline is learnt over the camera's first {@code baselinePeriod} of windows
 * with frames (or pinned to a period of its kept windows); after that each window is compared
 * with it. Every default is written here once.
 *
 * @param enabled whether the camera's alerts are evaluated at all
 * @param baselinePeriod how long the baseline is learnt from the camera's start
 * @param confidenceDrop a class's mean confidence this far below its baseline mean is a slide
 * @param psiLimit population stability index of the class mix (recent windows against the baseline) above which the mix has shifted
 * @param recentWindows windows the recent class mix is taken over
 * @param latencyFactor inference p95 above this many times its baseline is latency creep
 * @param throughputDrop inferred frames a second below this share of the baseline is a throughput drop
 * @param errorRate failed inferences above this share of the frames seen in a window
 * @param sustain a condition must hold this long before its alert fires, and be gone this long before it clears
 * @param sourceDown a source not streaming (connecting, reconnecting, failed) for this long fires at once, and clears as soon as it streams
 * @param malformedRate answers the model got wrong (a confidence outside 0..1, a box outside the frame, no class) above this share of
 *                      the frames inferred or failed in a window: 0, any at all
 * @param baselineFrom with {@code baselineTo}, the baseline is taken from the camera's kept windows of this period instead of
 *                     being learnt from its start; null: learn it
 * @param baselineTo the end of that period
 */
public record AlertOptions(boolean enabled, Duration baselinePeriod, double confidenceDrop, double psiLimit, int recentWindows,
                           double latencyFactor, double throughputDrop, double errorRate, Duration sustain,
                           Duration sourceDown, double malformedRate, Instant baselineFrom, Instant baselineTo) {

    public static final Duration DEFAULT_BASELINE_PERIOD = Duration.ofHours(1);
    public static final double DEFAULT_CONFIDENCE_DROP = 0.15;
    public static final double DEFAULT_PSI_LIMIT = 0.25;
    public static final int DEFAULT_RECENT_WINDOWS = 12;
    public static final double DEFAULT_LATENCY_FACTOR = 2.0;
    public static final double DEFAULT_THROUGHPUT_DROP = 0.5;
    public static final double DEFAULT_ERROR_RATE = 0.2;
    public static final Duration DEFAULT_SUSTAIN = Duration.ofMinutes(2);
    public static final Duration DEFAULT_SOURCE_DOWN = Duration.ofMinutes(1);
    public static final double DEFAULT_MALFORMED_RATE = 0;

    /** On, with every default: a baseline from the first hour, learnt rather than pinned. */
    public static final AlertOptions DEFAULTS = new AlertOptions(true, DEFAULT_BASELINE_PERIOD, DEFAULT_CONFIDENCE_DROP,
            DEFAULT_PSI_LIMIT, DEFAULT_RECENT_WINDOWS, DEFAULT_LATENCY_FACTOR, DEFAULT_THROUGHPUT_DROP, DEFAULT_ERROR_RATE,
            DEFAULT_SUSTAIN, DEFAULT_SOURCE_DOWN, DEFAULT_MALFORMED_RATE, null, null);

    /** Options with the default malformed-output limit (any) and a baseline learnt from the start. */
    public AlertOptions(Duration baselinePeriod, double confidenceDrop, double psiLimit, int recentWindows, double latencyFactor,
                        double throughputDrop, double errorRate, Duration sustain, Duration sourceDown) {
        this(true, baselinePeriod, confidenceDrop, psiLimit, recentWindows, latencyFactor, throughputDrop, errorRate, sustain,
                sourceDown, DEFAULT_MALFORMED_RATE, null, null);
    }

    public AlertOptions {
        if (baselinePeriod.isNegative() || baselinePeriod.isZero() || recentWindows < 1) {
            throw new IllegalArgumentException("the baseline period must be positive and recent windows at least 1");
        }
        if ((baselineFrom == null) != (baselineTo == null) || baselineFrom != null && !baselineFrom.isBefore(baselineTo)) {
            throw new IllegalArgumentException("a pinned baseline needs a start before its end");
        }
        if (sustain.isNegative() || sourceDown.isNegative()) {
            throw new IllegalArgumentException("sustain and source down must not be negative");
        }
    }

    /** True when the baseline is pinned to a period rather than learnt. */
    public boolean pinned() {
        return baselineFrom != null && baselineTo != null;
    }

    /** The windows of {@code frequency} that make up the baseline period (at least 1). */
    public int baselineWindows(Duration frequency) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, baselinePeriod.toMillis() / Math.max(1, frequency.toMillis())));
    }

    /** These options without a pinned baseline. */
    public AlertOptions learnt() {
        return new AlertOptions(enabled, baselinePeriod, confidenceDrop, psiLimit, recentWindows, latencyFactor, throughputDrop,
                errorRate, sustain, sourceDown, malformedRate, null, null);
    }
}
