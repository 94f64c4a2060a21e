package io.edgewatch.sink.broker;

import java.time.Duration;

/**
 * What every broker destination has, whatever its broker.
 *
 * @param destination the outbox destination and sink name: {@code mqtt}, {@code kafka}
 * @param deviceId this box's id ({@code device_id}), in every message and topic; null when not set
 * @param windows whether windows are published
 * @param alerts whether alerts (the cameras' and the daemon's) are published
 * @param timeout how long a publish may wait for its acknowledgement before it is retried
 * @param retryMin the first backoff after a failure
 * @param retryMax the longest backoff
 * @param probeInterval how often a stopped destination is tried again
 * @param maxInFlight publishes in flight at once, over all cameras (one per camera at most: order)
 */
public record BrokerOptions(String destination, String deviceId, boolean windows, boolean alerts, Duration timeout,
                            Duration retryMin, Duration retryMax, Duration probeInterval, int maxInFlight) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETRY_MIN = Duration.ofMillis(500);
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(15);
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_IN_FLIGHT = 8;

    public BrokerOptions {
        if (destination == null || destination.isBlank()) {
            throw new IllegalArgumentException("a broker destination needs a name");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, not " + maxInFlight);
        }
        if (retryMin.compareTo(retryMax) > 0) {
            retryMin = retryMax;
        }
    }

    /** {@code destination} with every default: windows and alerts on. */
    public static BrokerOptions of(String destination, String deviceId) {
        return new BrokerOptions(destination, deviceId, true, true, DEFAULT_TIMEOUT, DEFAULT_RETRY_MIN, DEFAULT_RETRY_MAX,
                DEFAULT_PROBE_INTERVAL, DEFAULT_MAX_IN_FLIGHT);
    }

    public BrokerOptions withRetry(Duration min, Duration max, Duration probe) {
        return new BrokerOptions(destination, deviceId, windows, alerts, timeout, min, max, probe, maxInFlight);
    }

    public BrokerOptions withTimeout(Duration timeout) {
        return new BrokerOptions(destination, deviceId, windows, alerts, timeout, retryMin, retryMax, probeInterval, maxInFlight);
    }

    public BrokerOptions withContent(boolean windows, boolean alerts) {
        return new BrokerOptions(destination, deviceId, windows, alerts, timeout, retryMin, retryMax, probeInterval, maxInFlight);
    }

    public BrokerOptions withMaxInFlight(int maxInFlight) {
        return new BrokerOptions(destination, deviceId, windows, alerts, timeout, retryMin, retryMax, probeInterval, maxInFlight);
    }
}
