package io.edgewatch.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A stand-in for Roboflow's API on 127.0.0.1: real sockets, real HTTP. It records every request
 * and answers what {@link #answer} says; {@link #stop()} and {@link #start()} make it refuse
 * connections and come back on the same port.
 */
public final class RoboflowStandIn implements AutoCloseable {

    /** One request as received: {@code body} is its bytes read as UTF-8, {@code raw} the bytes themselves. */
    public record Request(String method, String uri, Map<String, String> headers, String body, byte[] raw) {

        /** The path, without the query. */
        public String path() {
            int q = uri.indexOf('?');
            return q < 0 ? uri : uri.substring(0, q);
        }

        /** The query as written, without the {@code ?} (empty when there is none). */
        public String query() {
            int q = uri.indexOf('?');
            return q < 0 ? "" : uri.substring(q + 1);
        }

        /** The parts of a {@code multipart/form-data} body, in order; fails when the body is not one. */
        public List<Part> parts() {
            String type = headers.getOrDefault("content-type", "");
            int b = type.indexOf("boundary=");
            if (!type.startsWith("multipart/form-data") || b < 0) {
                throw new IllegalStateException("not multipart/form-data: " + type);
            }
            byte[] delimiter = ("--" + type.substring(b + 9).replace("\"", "")).getBytes(StandardCharsets.ISO_8859_1);
            List<Part> parts = new ArrayList<>();
            int at = indexOf(raw, delimiter, 0);
            while (at >= 0) {
                int start = at + delimiter.length;
                if (start + 1 < raw.length && raw[start] == '-' && raw[start + 1] == '-') {
                    break;
                }
                start += 2; // CRLF after the boundary
                int headEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
                int next = indexOf(raw, delimiter, headEnd);
                if (headEnd < 0 || next < 0) {
                    throw new IllegalStateException("a multipart body that does not end with its boundary");
                }
                String head = new String(raw, start, headEnd - start, StandardCharsets.UTF_8);
                byte[] content = Arrays.copyOfRange(raw, headEnd + 4, next - 2);
                Map<String, String> partHeaders = new LinkedHashMap<>();
                for (String line : head.split("\r\n")) {
                    int colon = line.indexOf(':');
                    partHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
                parts.add(new Part(partHeaders, content));
                at = next;
            }
            return parts;
        }

        private static int indexOf(byte[] in, byte[] what, int from) {
            outer:
            for (int i = Math.max(0, from); i <= in.length - what.length; i++) {
                for (int j = 0; j < what.length; j++) {
                    if (in[i + j] != what[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    /** One part of a multipart body. */
    public record Part(Map<String, String> headers, byte[] content) {

        /** A parameter of its {@code Content-Disposition} ({@code name}, {@code filename}), or null. */
        public String disposition(String parameter) {
            Matcher m = Pattern.compile(";\\s*" + parameter + "=\"([^\"]*)\"").matcher(headers.getOrDefault("content-disposition", ""));
            return m.find() ? m.group(1) : null;
        }

        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** What to answer: status, extra headers, body, and a delay before answering. */
    public record Answer(int status, Map<String, String> headers, String body, Duration delay) {
        public static Answer ok(String body) {
            return new Answer(200, Map.of(), body, Duration.ZERO);
        }

        public static Answer status(int status) {
            return new Answer(status, Map.of(), "{\"error\":\"" + status + "\"}", Duration.ZERO);
        }
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Answer> answer;
    private int port;
    private DisposableServer server;

    public RoboflowStandIn(String workspace) {
        this.answer = r -> r.uri().startsWith("/?") ? Answer.ok("{\"workspace\":\"" + workspace + "\"}")
                : Answer.ok("{\"status\":\"ok\"}");
        start();
    }

    public void answer(Function<Request, Answer> answer) {
        this.answer = answer;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public synchronized void start() {
        server = HttpServer.create().host("127.0.0.1").port(port)
                .handle((req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .flatMap(raw -> {
                            String body = new String(raw, StandardCharsets.UTF_8);
                            Map<String, String> headers = new LinkedHashMap<>();
                            req.requestHeaders().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
                            Request r = new Request(req.method().name(), req.uri(), headers, body, raw);
                            requests.add(r);
                            Answer a = answer.apply(r);
                            return Mono.delay(a.delay()).then(Mono.defer(() -> {
                                a.headers().forEach(res::header);
                                return res.status(HttpResponseStatus.valueOf(a.status()))
                                        .header("Content-Type", "application/json")
                                        .sendString(Mono.just(a.body())).then();
                            }));
                        }))
                .bindNow(Duration.ofSeconds(10));
        port = server.port();
    }

    public synchronized void stop() {
        server.disposeNow(Duration.ofSeconds(10));
    }

    /** Requests whose path starts with {@code prefix}. */
    public List<Request> to(String prefix) {
        return requests.stream().filter(r -> r.uri().startsWith(prefix)).toList();
    }

    @Override
    public void close() {
        stop();
    }
}
