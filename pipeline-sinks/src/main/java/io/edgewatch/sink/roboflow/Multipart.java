package io.edgewatch.sink.roboflow;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A {@code multipart/form-data} body (RFC 7578) built in memory: the few parts an upload has, with
 * a boundary that cannot occur in them by chance. Built whole so a retry sends the same bytes and
 * the length is known (no chunked upload, no temporary files).
 */
final class Multipart {

    private final String boundary = "edgewatch-" + UUID.randomUUID();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Multipart field(String name, String value) {
        head("Content-Disposition: form-data; name=\"" + name + "\"\r\n");
        bytes(value.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    Multipart file(String name, String filename, String contentType, byte[] content) {
        head("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename + "\"\r\nContent-Type: "
                + contentType + "\r\n");
        bytes(content);
        return this;
    }

    private void head(String headers) {
        bytes(("--" + boundary + "\r\n" + headers).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code b} then CRLF: after the headers that makes the blank line, after content the line before the next boundary. */
    private void bytes(byte[] b) {
        out.write(b, 0, b.length);
        out.write('\r');
        out.write('\n');
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    byte[] body() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] parts = out.toByteArray();
        all.write(parts, 0, parts.length);
        byte[] end = ("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        all.write(end, 0, end.length);
        return all.toByteArray();
    }
}
