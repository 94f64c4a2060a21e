/**
 * Drift and health alerts of one camera: {@link io.edgewatch.health.alert.AlertEngine} learns a
 * baseline from the camera's first windows (or takes a pinned or kept one), then compares every
 * window with it (confidence slide, class-mix PSI, latency creep, throughput drop) and with fixed
 * limits (error rate, malformed answers, source down), firing and clearing through
 * {@link io.edgewatch.health.alert.Hysteresis}. It is driven by windows' own time, so a replay decides
 * the same; it is not thread-safe (one camera's windows arrive in order).
 * {@link io.edgewatch.health.alert.AlertOptions} is the one type of the {@code alerts:} settings.
 */
package io.edgewatch.health.alert;
