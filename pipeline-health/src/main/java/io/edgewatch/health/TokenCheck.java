package io.edgewatch.health;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The endpoint's bearer token ({@code health.token}), compared in constant time, and the
 * throttle on guessing it: a client address that sent {@link #MAX_FAILURES} wrong tokens within a
 * minute has every request that carries a token refused (429) for the rest of that minute, right
 * or wrong, so that guesses cost a minute per ten. A request with no token at all (the page's
 * first call, before it asks) is not a guess. The addresses remembered are bounded
 * ({@link #MAX_ADDRESSES}; forgotten all at once past it). Thread-safe.
 */
final class TokenCheck {

    /** Wrong tokens one address may send in a minute before it is throttled. */
    static final int MAX_FAILURES = 10;
    static final long MINUTE_NANOS = 60_000_000_000L;
    static final int MAX_ADDRESSES = 4096;

    /** What a request's token is. */
    enum Verdict { OK, MISSING_OR_WRONG, THROTTLED }

    private final byte[] expected;
    private final LongSupplier nanos;
    /** Per address: the minute's start and the wrong tokens in it. */
    private final Map<InetAddress, long[]> failures = new ConcurrentHashMap<>();

    TokenCheck(String token, LongSupplier nanos) {
        this.expected = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.nanos = nanos;
    }

    /** Whether requests must carry a token. */
    boolean required() {
        return expected != null;
    }

    /** Judges the {@code Authorization} header {@code given} (null: none) of a request from {@code from} (null: unknown). */
    Verdict check(String given, InetAddress from) {
        if (expected == null) {
            return Verdict.OK;
        }
        if (given == null) {
            return Verdict.MISSING_OR_WRONG;
        }
        long now = nanos.getAsLong();
        long[] f = from == null ? null : failures.get(from);
        if (f != null) {
            synchronized (f) {
                if (now - f[0] >= MINUTE_NANOS) {
                    f[0] = now;
                    f[1] = 0;
                } else if (f[1] >= MAX_FAILURES) {
                    return Verdict.THROTTLED;
                }
            }
        }
        if (MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            return Verdict.OK;
        }
        if (from != null) {
            if (failures.size() >= MAX_ADDRESSES) {
                failures.clear();
            }
            long[] g = failures.computeIfAbsent(from, k -> new long[] {now, 0});
            synchronized (g) {
                g[1]++;
            }
        }
        return Verdict.MISSING_OR_WRONG;
    }
}
