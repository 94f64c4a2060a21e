package io.edgewatch.health;

import java.time.Duration;

/**
 * What the local endpoint holds at most, so that no client, with or without a token, can use up
 * the process's file descriptors: {@code maxConnections} open at once (more are closed at once),
 * and a connection with no request in flight closed after {@code idleTimeout}.
 */
public record EndpointLimits(int maxConnections, Duration idleTimeout) {

    /** {@code health.max_connections} when not set. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    /** {@code health.idle_timeout} when not set. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(10);
    public static final EndpointLimits DEFAULTS = new EndpointLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT);
}
