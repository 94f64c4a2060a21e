package io.edgewatch.source;

import java.time.Duration;

/**
 * How a live source survives the real world.
 *
 * @param minDelay first wait before reconnecting
 * @param maxDelay the wait doubles up to this (with jitter of +-25 %)
 * @param healthyAfter a stream that streamed this long starts again from {@code minDelay} when it drops
 * @param watchdog a connected stream that sends no frame for this long is abandoned and replaced
 * @param connectTimeout how long opening may take before the watchdog counts
 */
public record Reconnect(Duration minDelay, Duration maxDelay, Duration healthyAfter, Duration watchdog,
                        Duration connectTimeout) {

    public static final Reconnect DEFAULTS = new Reconnect(Duration.ofMillis(500), Duration.ofSeconds(30),
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(15));
}
