package io.edgewatch.health;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.reactivestreams.Publisher;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;

/**
 * The local HTTP endpoint (Reactor Netty): {@code GET /healthz}, {@code GET /metrics} (Prometheus
 * text format), {@code GET /api/cameras}, {@code GET /api/alerts} and
 * {@code GET /{workspace}/inference-stats} (Roboflow's statistics, from the local history). Bound to loopback by default; on any other address
 * every request must carry {@code Authorization: Bearer <token>}. What a browser sends for a page
 * elsewhere is refused before any route ({@link SameOriginGate}: a {@code Host} not this box's, a
 * POST from another origin or not in JSON), and every answer says not to sniff, frame or refer it
 * ({@code X-Content-Type-Options}, {@code X-Frame-Options}, a CSP, {@code Referrer-Policy}); images
 * are {@code Cache-Control: private}.
 */
public final class HealthServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DisposableServer server;
    private final String host;
    private final EndpointGuard guard;

    private HealthServer(DisposableServer server, String host, EndpointGuard guard) {
        this.server = server;
        this.host = host;
        this.guard = guard;
    }

    /**
     * Starts serving {@code health} on {@code host:port} (0: any free port); {@code token} is
     * required for every request when not null.
     *
     * @throws IllegalStateException when the address cannot be bound, naming it
     */
    public static HealthServer start(Health health, String host, int port, String token) {
        return start(health, host, port, token, EndpointLimits.DEFAULTS);
    }

    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADERS = 16 * 1024;

    /**
     * The same, holding at most {@code limits.maxConnections()} connections (the ones beyond are
     * closed at once and counted in {@code edgewatch_health_connections_rejected_total}), closing a
     * connection idle for {@code limits.idleTimeout()} or whose request is not answered within
     * {@code limits.readTimeout()} of its first byte, refusing request lines over 4 KiB and headers
     * over 16 KiB, and refusing connections when fewer than 256 file descriptors are left to the
     * process: no client, with or without a token, can use up its file descriptors. What is refused
     * is counted in {@code edgewatch_health_refused_total{reason}} and logged in one line a minute at most.
     */
    public static HealthServer start(Health health, String host, int port, String token, EndpointLimits limits) {
        TokenCheck tokens = new TokenCheck(token, System::nanoTime);
        AtomicInteger open = new AtomicInteger();
        EndpointGuard guard = new EndpointGuard(health::refused);
        StatusPage page = new StatusPage();
        HttpServerRoutes routes = routes(health, tokens, page);
        // the gate knows the port once bound (port 0: any free one)
        AtomicReference<SameOriginGate> gate = new AtomicReference<>();
        try {
            DisposableServer server = HttpServer.create().host(host).port(port)
                    .idleTimeout(limits.idleTimeout())
                    .httpRequestDecoder(spec -> spec.maxInitialLineLength(MAX_INITIAL_LINE).maxHeaderSize(MAX_HEADERS))
                    .doOnChannelInit((observer, channel, remote) -> {
                        channel.closeFuture().addListener(f -> open.decrementAndGet());
                        if (open.incrementAndGet() > limits.maxConnections()) {
                            guard.refused(EndpointGuard.Reason.OVER_CAP);
                            channel.close();
                        } else if (EndpointGuard.freeFileDescriptors() < EndpointGuard.FD_RESERVE) {
                            guard.refused(EndpointGuard.Reason.FD_RESERVE);
                            channel.close();
                        } else {
                            channel.pipeline().addFirst("edgewatch-guard", guard.new Connection(limits.readTimeout()));
                        }
                    })
                    .handle((req, res) -> gated(req, res, gate.get(), guard, routes))
                    .bindNow(Duration.ofSeconds(10));
            gate.set(SameOriginGate.of(host, server.port(), tokens.required()));
            return new HealthServer(server, host, guard);
        } catch (RuntimeException e) {
            guard.close();
            throw new IllegalStateException("the health endpoint cannot listen on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()) + " (set health.port, or health.enabled: false)", e);
        }
    }

    /** Every route, each behind the token where it serves data. */
    private static HttpServerRoutes routes(Health health, TokenCheck tokens, StatusPage page) {
        return HttpServerRoutes.newRoutes()
                .get("/", (req, res) -> asset(res, page.get("/")))
                // tells the page whether to ask for the token before its first guarded call (and nothing else)
                .get("/ui/auth", (req, res) -> json(res, HttpResponseStatus.OK,
                        JSON.createObjectNode().put("token_required", tokens.required()).toString()))
                .get("/ui/{file}", (req, res) -> asset(res, page.get(req.path().startsWith("/") ? req.path() : "/" + req.path())))
                .get("/api/cameras/{id}/history", (req, res) -> guarded(req, res, tokens, () -> history(health, req, res)))
                .get("/api/cameras/{id}/samples", (req, res) -> guarded(req, res, tokens, () -> samples(health, req, res)))
                .get("/api/cameras/{id}/samples/{file}", (req, res) -> guarded(req, res, tokens, () -> {
                    String file = req.param("file");
                    String sample = file.endsWith(".jpg") ? file.substring(0, file.length() - 4) : file;
                    // off the event loop: the image is read from disk
                    return Mono.fromCallable(() -> health.sampleImage(req.param("id"), sample))
                            .subscribeOn(Schedulers.boundedElastic())
                            .flatMap(s -> s.status() == 200
                                    ? res.header(HttpHeaderNames.CONTENT_TYPE, "image/jpeg")
                                            .header(HttpHeaderNames.CACHE_CONTROL, "private, max-age=86400")
                                            .sendByteArray(Mono.just(s.jpeg())).then()
                                    : json(res, HttpResponseStatus.valueOf(s.status()), error(s.problem())));
                            }))
                            .get("/api/cameras/{id}/snapshot.jpg", (req, res) -> guarded(req, res, tokens, () ->
                                    // off the event loop: encoding a JPEG takes milliseconds
                                    Mono.fromCallable(() -> health.snapshot(req.param("id"))).subscribeOn(Schedulers.boundedElastic())
                                            .flatMap(s -> s.status() == 200
                                                    ? res.header(HttpHeaderNames.CONTENT_TYPE, "image/jpeg")
                                                            .header(HttpHeaderNames.CACHE_CONTROL, "no-store, private")
                                                            .sendByteArray(Mono.just(s.jpeg())).then()
                                                    : s.status() == 204 ? res.status(HttpResponseStatus.NO_CONTENT).send()
                                                    : json(res, HttpResponseStatus.valueOf(s.status()), error(s.problem())))))
                            .get("/healthz", (req, res) -> guarded(req, res, tokens,
                                    () -> json(res, HttpResponseStatus.OK, health.healthz().toString())))
                            .get("/metrics", (req, res) -> guarded(req, res, tokens,
                                    () -> res.header(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                                            .sendString(Mono.fromCallable(health::scrape)).then()))
                            .get("/api/cameras", (req, res) -> guarded(req, res, tokens,
                                    () -> json(res, HttpResponseStatus.OK, health.cameras().toString())))
                            .get("/api/alerts", (req, res) -> guarded(req, res, tokens,
                                    () -> json(res, HttpResponseStatus.OK, health.alerts().toString())))
                            .post("/api/cameras/{id}/baseline/relearn", (req, res) -> guarded(req, res, tokens, () ->
                                    // off the event loop: the clears are written to disk (and to the webhook's outbox)
                                    Mono.fromCallable(() -> Optional.ofNullable(health.relearn(req.param("id"))))
                                            .subscribeOn(Schedulers.boundedElastic())
                                            .flatMap(answer -> answer.isEmpty()
                                                    ? json(res, HttpResponseStatus.NOT_FOUND, error("no camera '" + req.param("id") + "'"))
                                                    : json(res, answer.get().get("learning").asBoolean() ? HttpResponseStatus.OK
                                                            : HttpResponseStatus.CONFLICT, answer.get().toString()))))
                            .post("/api/reload", (req, res) -> guarded(req, res, tokens, () ->
                                    // off the event loop: a reload reads files and waits for changed cameras to stop
                                    Mono.fromCallable(health::reload).subscribeOn(Schedulers.boundedElastic())
                                            .flatMap(answer -> answer.isEmpty()
                                                    ? json(res, HttpResponseStatus.SERVICE_UNAVAILABLE, error("this daemon cannot reload"))
                                                    : json(res, answer.get().get("applied").asBoolean() ? HttpResponseStatus.OK
                                                            : HttpResponseStatus.UNPROCESSABLE_ENTITY, answer.get().toString()))))
                            .get("/{workspace}/inference-stats", (req, res) -> guarded(req, res, tokens,
                                    () -> inferenceStats(health, req, res)))
                            .route(req -> true, (req, res) -> guarded(req, res, tokens,
                                    () -> json(res, HttpResponseStatus.NOT_FOUND, error("not found: " + req.method() + " " + req.path()
                                            + " (try /healthz, /metrics, /api/cameras, /api/cameras/{id}/samples, /api/alerts, /{workspace}/inference-stats)"))));
    }

    /**
     * The policy of every answer: {@code default-src 'self'}, as the page has no inline script or
     * style; images also from {@code blob:}, the URLs the page makes of the snapshots and samples
     * it fetched with the token, and {@code data:} (the page's empty icon).
     */
    static final String CSP = "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'";

    /**
     * Every request: the hardening headers on whatever it is answered, then {@link SameOriginGate}
     * (Host, Origin, body type), then its route.
     */
    private static Publisher<Void> gated(HttpServerRequest req, HttpServerResponse res, SameOriginGate gate, EndpointGuard guard,
                                         HttpServerRoutes routes) {
        res.header("X-Content-Type-Options", "nosniff").header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "no-referrer").header("Content-Security-Policy", CSP);
        if (gate == null) {
            return json(res, HttpResponseStatus.SERVICE_UNAVAILABLE, error("the endpoint is starting"));
        }
        SameOriginGate.Refusal refusal = gate.check(req.method(), req.requestHeaders());
        if (refusal != null) {
            guard.refused(refusal.reason());
            return json(res, HttpResponseStatus.valueOf(refusal.status()), error(refusal.message()));
        }
        return routes.apply(req, res);
    }

    private static Mono<Void> inferenceStats(Health health, HttpServerRequest req, HttpServerResponse res) {
        Map<String, List<String>> query = new QueryStringDecoder(req.uri()).parameters();
        return health.inferenceStats(req.param("workspace"), first(query, "startTime"), first(query, "endTime"),
                        first(query, "modelNames"))
                .flatMap(stats -> json(res, HttpResponseStatus.OK, stats.toString()))
                .onErrorResume(InferenceStats.BadRequest.class, e -> json(res, HttpResponseStatus.BAD_REQUEST, error(e.getMessage())))
                .onErrorResume(NoSuchElementException.class, e -> json(res, HttpResponseStatus.NOT_FOUND, error(e.getMessage())))
                .onErrorResume(e -> {
                    log.warn("inference statistics failed: {}", e.getMessage());
                    return json(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, error(String.valueOf(e.getMessage())));
                });
    }

    private static Mono<Void> asset(HttpServerResponse res, StatusPage.Asset a) {
        if (a == null) {
            return json(res, HttpResponseStatus.NOT_FOUND, error("not found"));
        }
        return res.header(HttpHeaderNames.CONTENT_TYPE, a.contentType()).header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .sendByteArray(Mono.just(a.bytes())).then();
    }

    /** {@code from} and {@code to}: epoch seconds or ISO-8601 instants; {@code step} in seconds. */
    private static Mono<Void> history(Health health, HttpServerRequest req, HttpServerResponse res) {
        Map<String, List<String>> q = new QueryStringDecoder(req.uri()).parameters();
        Instant to;
        Instant from;
        long step;
        try {
            to = instant(first(q, "to"), Instant.now());
            from = instant(first(q, "from"), to.minus(History.DEFAULT_RANGE));
            step = first(q, "step") == null ? 1 : Long.parseLong(first(q, "step"));
        } catch (RuntimeException e) {
            return json(res, HttpResponseStatus.BAD_REQUEST, error("from and to are epoch seconds or ISO-8601 instants"
                    + " (2026-12-02T10:00:00Z), step is seconds: " + e.getMessage()));
        }
        if (!from.isBefore(to) || step < 1) {
            return json(res, HttpResponseStatus.BAD_REQUEST, error("from must be before to, and step at least 1"));
        }
        if (Duration.between(from, to).compareTo(History.MAX_RANGE) > 0) {
            return json(res, HttpResponseStatus.BAD_REQUEST, error("from to to spans more than " + History.MAX_RANGE.toDays() + " days"));
        }
        String id = req.param("id");
        // off the event loop: the store is read
        return Mono.fromCallable(() -> health.history(id, from, to, step)).subscribeOn(Schedulers.boundedElastic())
                .flatMap(h -> h.isEmpty() ? json(res, HttpResponseStatus.NOT_FOUND, error("no camera '" + id + "'"))
                        : json(res, HttpResponseStatus.OK, h.get().toString()));
    }

    private static Mono<Void> samples(Health health, HttpServerRequest req, HttpServerResponse res) {
        int limit;
        try {
            String l = first(new QueryStringDecoder(req.uri()).parameters(), "limit");
            limit = l == null ? 50 : Integer.parseInt(l);
        } catch (RuntimeException e) {
            return json(res, HttpResponseStatus.BAD_REQUEST, error("limit is a whole number: " + e.getMessage()));
        }
        if (limit < 1 || limit > 1000) {
            return json(res, HttpResponseStatus.BAD_REQUEST, error("limit is 1 to 1000"));
        }
        String id = req.param("id");
        int n = limit;
        return Mono.fromCallable(() -> health.samples(id, n)).subscribeOn(Schedulers.boundedElastic())
                .flatMap(s -> s.isEmpty() ? json(res, HttpResponseStatus.NOT_FOUND, error("no camera '" + id + "'"))
                        : json(res, HttpResponseStatus.OK, s.get().toString()));
    }

    private static Instant instant(String value, Instant otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        return value.chars().allMatch(Character::isDigit) ? Instant.ofEpochSecond(Long.parseLong(value)) : Instant.parse(value);
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static String error(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }

    private static Mono<Void> guarded(HttpServerRequest req, HttpServerResponse res, TokenCheck tokens,
                                      Supplier<Mono<Void>> handler) {
        InetSocketAddress remote = req.remoteAddress();
        switch (tokens.check(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION), remote == null ? null : remote.getAddress())) {
            case MISSING_OR_WRONG:
                return json(res.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer"), HttpResponseStatus.UNAUTHORIZED,
                        error("a bearer token is required (health.token)"));
            case THROTTLED:
                return json(res.header(HttpHeaderNames.RETRY_AFTER, "60"), HttpResponseStatus.TOO_MANY_REQUESTS,
                        error("more than " + TokenCheck.MAX_FAILURES + " wrong tokens from this address in a minute: wait a minute"));
            default:
                return handler.get();
        }
    }

    private static Mono<Void> json(HttpServerResponse res, HttpResponseStatus status, String body) {
        return res.status(status).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(body)).then();
    }

    public int port() {
        return server.port();
    }

    public String url() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        guard.close();
        log.debug("health endpoint on {} closed", url());
    }
}
