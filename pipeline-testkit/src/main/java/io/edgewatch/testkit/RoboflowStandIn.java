package io.edgewatch.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

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

    /** One request as received. */
    public record Request(String method, String uri, Map<String, String> headers, String body) {
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
                .handle((req, res) -> req.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .flatMap(body -> {
                            Map<String, String> headers = new LinkedHashMap<>();
                            req.requestHeaders().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
                            Request r = new Request(req.method().name(), req.uri(), headers, body);
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
