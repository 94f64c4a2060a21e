package io.edgewatch.health.alert;

import java.time.Duration;

/**
 * When a camera's alerts fire. The baseline is learnt from the camera's first
 * {@code baselineWindows} windows; after that each window is compared with it.
 *
 * @param baselineWindows windows the baseline is learnt from
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
public record AlertOptions(int baselineWindows, double confidenceDrop, double psiLimit, int recentWindows,
                           double latencyFactor, double throughputDrop, double errorRate, Duration sustain,
                           Duration sourceDown, double malformedRate, java.time.Instant baselineFrom, java.time.Instant baselineTo) {

    /** Options with the default malformed-output limit (any) and a baseline learnt from the start. */
    public AlertOptions(int baselineWindows, double confidenceDrop, double psiLimit, int recentWindows, double latencyFactor,
                        double throughputDrop, double errorRate, Duration sustain, Duration sourceDown) {
        this(baselineWindows, confidenceDrop, psiLimit, recentWindows, latencyFactor, throughputDrop, errorRate, sustain, sourceDown,
                0, null, null);
    }

    /** True when the baseline is pinned to a period rather than learnt. */
    public boolean pinned() {
        return baselineFrom != null && baselineTo != null;
    }

    /** A baseline from the first hour at 5 s windows (720), slide 0.15, PSI 0.25 over 12 windows, 2x latency, half throughput, 20 % errors, 2 min; source down 1 min. */
    public static final AlertOptions DEFAULTS = new AlertOptions(720, 0.15, 0.25, 12, 2.0, 0.5, 0.2, Duration.ofMinutes(2),
            Duration.ofMinutes(1));

    public AlertOptions {
        if (baselineWindows < 1 || recentWindows < 1) {
            throw new IllegalArgumentException("baseline and recent windows must be at least 1");
        }
        if ((baselineFrom == null) != (baselineTo == null) || baselineFrom != null && !baselineFrom.isBefore(baselineTo)) {
            throw new IllegalArgumentException("a pinned baseline needs a start before its end");
        }
        if (sustain.isNegative() || sourceDown.isNegative()) {
            throw new IllegalArgumentException("sustain and source down must not be negative");
        }
    }
}
