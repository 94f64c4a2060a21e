package io.edgewatch.sink.broker;

import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.edgewatch.core.secret.Redactor;
import io.edgewatch.sink.outbox.DeliveryException;

/**
 * How a broker client's failure is sorted for the {@link io.edgewatch.sink.outbox.OutboxSender}:
 * {@link Kind#RETRY} (not connected, the connection lost, no acknowledgement in time, a broker
 * that is busy: sent again with backoff), {@link Kind#STOP} (credentials, authorisation, a
 * certificate refused, a topic that does not exist and will not be made: the destination stops,
 * raises {@code delivery_stopped:NAME}, keeps its entries and probes with the oldest) or
 * {@link Kind#DEAD_LETTER} (this message will never be taken: too large, a body that cannot be read).
 * Each client says which of its errors is which ({@link #classify}); anything it does not know is
 * retried, as a network failure is. Messages are redacted: no secret of the configuration appears.
 */
public final class BrokerFailures {

    /** What the outbox does with an entry whose publish failed. */
    public enum Kind {
        RETRY, STOP, DEAD_LETTER
    }

    /** The status a stop carries: one {@link DeliveryException#stopsDestination(int)} stops on. */
    static final int STOP_STATUS = 403;
    /** The status a dead letter carries: one {@link DeliveryException#rejected()} sets aside. */
    static final int DEAD_LETTER_STATUS = 400;

    private BrokerFailures() {
    }

    /** Sent again later, with backoff. */
    public static DeliveryException retry(String message) {
        return new DeliveryException(Redactor.redact(message), 0, true, 0);
    }

    /** The destination stops until a person fixes it; its entries stay and the oldest is tried every probe interval. */
    public static DeliveryException stop(String message) {
        return new DeliveryException(Redactor.redact(message), STOP_STATUS, false, 0);
    }

    /** This message will never be taken: kept in the dead-letter table, the ones behind it go on. */
    public static DeliveryException deadLetter(String message) {
        return new DeliveryException(Redactor.redact(message), DEAD_LETTER_STATUS, false, 0);
    }

    public static DeliveryException of(Kind kind, String message) {
        return switch (kind) {
            case RETRY -> retry(message);
            case STOP -> stop(message);
            case DEAD_LETTER -> deadLetter(message);
        };
    }

    /** How the sender will sort {@code e}. */
    public static Kind kindOf(DeliveryException e) {
        return e.retryable() ? Kind.RETRY : e.rejected() ? Kind.DEAD_LETTER : Kind.STOP;
    }

    /**
     * A client's error as the sender sorts it: a {@link DeliveryException} as it is; a timeout is
     * retried; anything else as {@code classifier} says (null: retried), worded as
     * {@code destination: what failed}, with the innermost cause's message when the outer one has none.
     */
    public static DeliveryException classify(String destination, Throwable error, Function<Throwable, Kind> classifier) {
        if (error instanceof DeliveryException d) {
            return d;
        }
        if (error instanceof TimeoutException) {
            return retry(destination + ": no acknowledgement in time");
        }
        Kind kind = classifier.apply(error);
        return of(kind == null ? Kind.RETRY : kind, destination + ": " + describe(error));
    }

    /** {@code SimpleName: message}, the cause's when this one has no message of its own. */
    public static String describe(Throwable error) {
        Throwable t = error;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
