package io.edgewatch.sink.samples;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An outbox body holding a JSON header and the bytes of an image: a 4-byte big-endian length, the
 * header, the image. The image waits on disk with its request; no second file to lose or evict.
 */
public record Envelope(byte[] header, byte[] image) {

    public byte[] pack() {
        return ByteBuffer.allocate(4 + header.length + image.length).putInt(header.length).put(header).put(image).array();
    }

    public static Envelope unpack(byte[] body) {
        int n = ByteBuffer.wrap(body).getInt();
        if (n < 0 || n > body.length - 4) {
            throw new IllegalArgumentException("not an envelope: a header of " + n + " bytes in " + body.length);
        }
        return new Envelope(Arrays.copyOfRange(body, 4, 4 + n), Arrays.copyOfRange(body, 4 + n, body.length));
    }
}
