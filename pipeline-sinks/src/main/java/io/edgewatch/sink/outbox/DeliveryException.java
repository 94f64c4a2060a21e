package io.edgewatch.sink.outbox;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A delivery that failed, as the {@link OutboxSender} sorts it: {@link #retryable()} (network,
 * timeouts, 5xx, 429: send again later, not before {@link #retryAfterMillis()}), a destination
 * that needs a person ({@link #stopsDestination}: stop and probe), or {@link #rejected()} (the
 * server will never take this entry: dead letter). Each destination's transport throws it.
 */
public class DeliveryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final boolean retryable;
    private final long retryAfterMillis;

    public DeliveryException(String message, int status, boolean retryable, long retryAfterMillis) {
        super(message);
        this.status = status;
        this.retryable = retryable;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** The HTTP status, or 0 when no answer came. */
    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    /** The server's {@code Retry-After}, in milliseconds, or 0. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** True for a request the server will never accept as it is (400, 413, 422 ...): not worth resending. */
    public boolean rejected() {
        return !retryable && status >= 400 && status < 500 && !stopsDestination(status);
    }

    /**
     * Statuses that mean the key, the credits or the address need a person: 401, 402, 403, 404,
     * 423, and every redirect (3xx), which is never followed: the request carries credentials, and
     * a redirect to another origin would hand them over; only a 2xx is a delivery.
     */
    public static boolean stopsDestination(int status) {
        return status >= 300 && status < 400 || status == 401 || status == 402 || status == 403 || status == 404
                || status == 423;
    }

    /** {@code HTTP 302 to https://host/path?…}: a redirect's status and where it pointed, with no query or user. */
    public static String redirect(int status, String location) {
        if (location == null || location.isBlank()) {
            return "HTTP " + status + " (a redirect with no Location)";
        }
        String where = location.trim().replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@?#]*@", "$1***@")
                .replaceFirst("[?#].*$", "?…");
        return "HTTP " + status + " redirect to " + where;
    }

    /** A {@code Retry-After} header: seconds, or an HTTP date; 0 when absent or unreadable. */
    public static long retryAfterMillis(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Math.max(0, (long) (Double.parseDouble(value.trim()) * 1000));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
            } catch (Exception ignored) {
                return 0;
            }
        }
    }
}
