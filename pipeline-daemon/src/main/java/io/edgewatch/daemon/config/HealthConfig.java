package io.edgewatch.daemon.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.health.EndpointLimits;

/**
 * {@code health:} the local endpoint; null when {@code enabled: false}.
 *
 * @param token the bearer token every request must carry, or none (allowed on loopback only)
 * @param maxConnections connections held at most; more are closed at once
 * @param idleTimeout a connection with no request in flight is closed after this
 * @param readTimeout a request not answered this long after its first byte is closed
 * @param snapshots whether cameras keep their last inferred frame and the status page shows it
 */
public record HealthConfig(String host, int port, Secret token, int maxConnections, Duration idleTimeout,
                           Duration readTimeout, boolean snapshots) {

    /** The endpoint's limits. */
    public EndpointLimits limits() {
        return new EndpointLimits(maxConnections, idleTimeout, readTimeout);
    }

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8787;
    /** The shortest {@code health.token} taken: shorter ones can be guessed (and are not masked in logs under 4). */
    public static final int MIN_TOKEN_CHARS = 16;

    static HealthConfig read(Section s) {
        boolean enabled = s.bool("enabled", true);
        String host = s.string("host", DEFAULT_HOST);
        int port = s.integer("port", DEFAULT_PORT, 0, 65535);
        String token = s.string("token", "");
        int maxConnections = s.integer("max_connections", EndpointLimits.DEFAULT_MAX_CONNECTIONS, 1, 10_000);
        Duration idle = s.duration("idle_timeout", EndpointLimits.DEFAULT_IDLE_TIMEOUT, Duration.ofMillis(100));
        Duration read = s.duration("read_timeout", EndpointLimits.DEFAULT_READ_TIMEOUT, Duration.ofMillis(100));
        boolean snapshots = s.bool("snapshots", true);
        s.rejectUnknownKeys();
        if (!token.isEmpty() && token.length() < MIN_TOKEN_CHARS) {
            // never echo the token: its length is enough to act on
            s.error("token", "at least " + MIN_TOKEN_CHARS + " characters (it has " + token.length() + "): a short token"
                    + " can be guessed; make one with openssl rand -hex 16");
        }
        if (enabled && token.isEmpty() && !loopback(host)) {
            s.error("token", "required when health.host (" + host + ") is not a loopback address: "
                    + "set it from the environment, such as token: ${EDGEWATCH_HEALTH_TOKEN}");
        }
        return enabled ? new HealthConfig(host, port, Secret.of(token), maxConnections, idle, read, snapshots) : null;
    }

    /** True for 127.0.0.0/8, ::1 and {@code localhost}. */
    static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "HealthConfig[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "***") + "]";
    }
}
