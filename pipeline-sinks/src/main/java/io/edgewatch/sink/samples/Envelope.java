package io.edgewatch.sink.samples;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;

import io.edgewatch.sink.outbox.Restamper;

/**
 * An outbox body holding a JSON header and the bytes of an image: a 4-byte big-endian length, the
 * header, the image. The image waits on disk with its request; no second file to lose or evict.
 */
public record Envelope(byte[] header, byte[] image) {

    public byte[] pack() {
        return ByteBuffer.allocate(4 + header.length + image.length).putInt(header.length).put(header).put(image).array();
    }

    /**
     * The {@link Restamper} of envelopes of {@code kinds}: their header re-stamped and flagged by {@code header}, the
     * image as it is; a body of another kind goes to {@code others}.
     */
    public static Restamper restamping(Set<String> kinds, Restamper header, Restamper others) {
        return new Restamper() {
            @Override
            public byte[] restamp(String kind, byte[] body, Duration by) {
                if (!kinds.contains(kind)) {
                    return others.restamp(kind, body, by);
                }
                Envelope e = unpack(body);
                return new Envelope(header.restamp(kind, e.header(), by), e.image()).pack();
            }

            @Override
            public byte[] flag(String kind, byte[] body) {
                if (!kinds.contains(kind)) {
                    return others.flag(kind, body);
                }
                Envelope e = unpack(body);
                return new Envelope(header.flag(kind, e.header()), e.image()).pack();
            }
        };
    }

    public static Envelope unpack(byte[] body) {
        int n = ByteBuffer.wrap(body).getInt();
        if (n < 0 || n > body.length - 4) {
            throw new IllegalArgumentException("not an envelope: a header of " + n + " bytes in " + body.length);
        }
        return new Envelope(Arrays.copyOfRange(body, 4, 4 + n), Arrays.copyOfRange(body, 4 + n, body.length));
    }
}
