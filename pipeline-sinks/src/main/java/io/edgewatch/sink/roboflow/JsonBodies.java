package io.edgewatch.sink.roboflow;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON the dataset and Vision Events destinations read and write: their servers' answers and their outbox entries. */
final class JsonBodies {

    /** An answer larger than this is not parsed (a hostile or broken server must not fill the heap). */
    static final int MAX_ANSWER_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonBodies() {
    }

    /** A server's answer, leniently: an empty object when it is empty, too large or not JSON. */
    static JsonNode answer(byte[] bytes) {
        try {
            JsonNode n = bytes.length > 0 && bytes.length <= MAX_ANSWER_BYTES ? JSON.readTree(bytes) : null;
            return n != null ? n : JSON.createObjectNode();
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    /** An entry's body this sink wrote itself. */
    static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
