package io.edgewatch.core.inference;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids of inference results: random version-4 UUIDs, as Roboflow's inference ids are, drawn from a
 * thread-local generator instead of {@link UUID#randomUUID()}'s {@code SecureRandom} (a lock and a
 * cryptographic generator per frame). They name a result; they guard nothing.
 */
public final class InferenceIds {

    private InferenceIds() {
    }

    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb).toString();
    }
}
