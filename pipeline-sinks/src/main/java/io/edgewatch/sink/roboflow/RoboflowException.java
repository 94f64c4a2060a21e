package io.edgewatch.sink.roboflow;

import io.edgewatch.sink.outbox.DeliveryException;

/**
 * A failed request to Roboflow, with the reference's words for its status. {@link #retryable()}
 * says whether sending again later may succeed (network, timeouts, 5xx, 429) or whether the
 * destination needs a person (401, 402, 403, 404, 423: check key, credits, workspace).
 */
public class RoboflowException extends DeliveryException {

    private static final long serialVersionUID = 1L;

    public RoboflowException(String message, int status, boolean retryable, long retryAfterMillis) {
        super(message, status, retryable, retryAfterMillis);
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
