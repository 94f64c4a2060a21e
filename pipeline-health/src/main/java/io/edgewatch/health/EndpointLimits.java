package io.edgewatch.health;

import java.time.Duration;

/**
 * What the local endpoint holds at most, so that no client, with or without a token, can use up
 * the process's file descriptors: {@code maxConnections} open at once (more are closed at once),
 * a connection with no request in flight closed after {@code idleTimeout}, and one whose request
 * is not answered within {@code readTimeout} of its first byte closed too.
 */
public record EndpointLimits(int maxConnections, Duration idleTimeout, Duration readTimeout) {

    /** {@code health.max_connections} when not set. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    /** {@code health.idle_timeout} when not set. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** {@code health.read_timeout} when not set: a request must be answered within it of its first byte. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final EndpointLimits DEFAULTS = new EndpointLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT,
            DEFAULT_READ_TIMEOUT);

    /** Limits with the default read timeout. */
    public EndpointLimits(int maxConnections, Duration idleTimeout) {
        this(maxConnections, idleTimeout, DEFAULT_READ_TIMEOUT);
    }
}
