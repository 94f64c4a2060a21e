package io.edgewatch.core.inference;

import java.util.Locale;
import java.util.concurrent.TimeoutException;

/** An inference that failed, with the kind of failure, so failures can be counted by kind. */
public class InferenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why an inference failed. */
    public enum Kind {
        /** The detector did not answer within its timeout. */
        TIMEOUT,
        /** The detector (or its server) could not be reached. */
        UNAVAILABLE,
        /** The detector answered with an error. */
        REJECTED,
        /** The detector answered with something that could not be read. */
        MALFORMED,
        /** Anything else: a bug or a native failure. */
        INTERNAL;

        /** Lower-case name for reports and logs. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;

    public InferenceException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public InferenceException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The kind of any throwable: its own when it is an InferenceException, else INTERNAL. */
    public static Kind kindOf(Throwable t) {
        if (t instanceof InferenceException ie) {
            return ie.kind;
        }
        if (t instanceof TimeoutException) {
            return Kind.TIMEOUT;
        }
        return Kind.INTERNAL;
    }
}
