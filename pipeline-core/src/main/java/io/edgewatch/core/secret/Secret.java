package io.edgewatch.core.secret;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A secret from the configuration (an API key, a bearer token): its {@link #toString()} never
 * prints it, so a record that holds one, an exception or a log line cannot show it by accident;
 * {@link #reveal()} is the one way to the value, for the header or parameter it is meant for.
 * Making one registers the value with the {@link Redactor}, so it is masked wherever else it
 * appears. Compared in constant time.
 */
public final class Secret {

    private static final Secret NONE = new Secret("");

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** The secret {@code value}; null or empty is {@link #none()}. */
    public static Secret of(String value) {
        if (value == null || value.isEmpty()) {
            return NONE;
        }
        Redactor.register(value);
        return new Secret(value);
    }

    /** No secret. */
    public static Secret none() {
        return NONE;
    }

    /** The value, for the one place it is sent. */
    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** True when {@code candidate} is this secret; in time that does not depend on where they differ. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8),
                candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code ***}, or {@code (none)}: never the value. */
    @Override
    public String toString() {
        return value.isEmpty() ? "(none)" : "***";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.matches(value);
    }

    @Override
    public int hashCode() {
        return value.length();
    }
}
