package io.edgewatch.sink.roboflow;

/**
 * A failed request to Roboflow, with the reference's words for its status. {@link #retryable()}
 * says whether sending again later may succeed (network, timeouts, 5xx, 429) or whether the
 * destination needs a person (401, 402, 403, 404, 423: check key, credits, workspace).
 */
public class RoboflowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final boolean retryable;
    private final long retryAfterMillis;

    public RoboflowException(String message, int status, boolean retryable, long retryAfterMillis) {
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

    /** Statuses that mean the key, the credits or the workspace need a person. */
    public static boolean stopsDestination(int status) {
        return status == 401 || status == 402 || status == 403 || status == 404 || status == 423;
    }

    /** The reference's message for an HTTP status. */
    public static String describe(int status) {
        return switch (status) {
            case 401 -> "Unauthorized access to roboflow API - check API key";
            case 402 -> "Not enough credits";
            case 403 -> "check API key regarding correctness and required scopes";
            case 404 -> "Could not find requested Roboflow resource";
            case 423 -> "Roboflow API usage is paused";
            default -> "Unsuccessful request to Roboflow API with response code: " + status;
        };
    }
}
