package io.edgewatch.sink.mqtt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.MqttEncodeException;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;

import io.edgewatch.sink.broker.BrokerClient;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerFailures;
import io.edgewatch.sink.broker.BrokerJson;
import io.edgewatch.sink.broker.BrokerMessage;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One MQTT connection, HiveMQ's async client: a clean session that expires at once (MQTT 5
 * {@code session expiry 0}, 3.1.1 {@code clean session}), so nothing the client holds survives a
 * disconnect and the outbox stays the only queue; a publish is refused at once while not
 * connected, and one in flight when the connection drops fails with it. Whatever ended a
 * connection (a refusal included: that is how a fixed password or ACL is found), the next attempt,
 * after a capped jittered backoff, is a new HiveMQ client: the client's own reconnect is not used,
 * so nothing of an ended connection (its queue, its state) carries over. {@link #publish} completes on the PUBACK (QoS 1) or PUBCOMP
 * (QoS 2); the message id goes as an MQTT 5 user property {@code message_id} too.
 *
 * <p>Beside the outbox's messages, on every connect it publishes {@code online} to the retained
 * availability topic (whose last will is {@code offline}) and, with Home Assistant on, the
 * discovery configs; after each window is acknowledged, the camera's retained {@code state}. These
 * are retained last values, sent again at the next connect or window, so they do not go through
 * the outbox. {@link #close} publishes {@code stopped} and disconnects without the will.
 */
public final class MqttBrokerClient implements BrokerClient {

    private static final Logger log = LoggerFactory.getLogger(MqttBrokerClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] ONLINE = "online".getBytes(StandardCharsets.UTF_8);
    static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.UTF_8);
    static final byte[] STOPPED = "stopped".getBytes(StandardCharsets.UTF_8);

    private final MqttOptions options;
    private final BrokerContext context;
    private final MqttTopics topics;
    private final HomeAssistant homeAssistant;
    private final MqttClientSslConfig ssl;
    private final Scheduler reconnects = Schedulers.newSingle("edgewatch-mqtt-reconnect");
    /** The client of the connection now: a new one for every attempt, so nothing of an ended connection carries over. */
    private volatile Connection current;
    private volatile State state = State.CONNECTING;
    /** Why the broker refused this client, while {@link State#REFUSED}. */
    private volatile String refusal;
    private volatile boolean closing;
    private volatile boolean connectStarted;
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    /** The cameras sending here, with the classes each announced to Home Assistant in this run. */
    private final Map<String, Set<String>> cameras = new ConcurrentHashMap<>();

    MqttBrokerClient(MqttOptions options, BrokerContext context) {
        this.options = options;
        this.context = context;
        this.topics = options.topics();
        this.homeAssistant = new HomeAssistant(options.discoveryPrefix(), topics);
        this.ssl = options.tls() ? ssl(options) : null;
    }

    /** One connection attempt's client, and what ended it (once). */
    private static final class Connection {
        Mqtt5AsyncClient v5;
        Mqtt3AsyncClient v3;
        final AtomicBoolean ended = new AtomicBoolean();
        final AtomicInteger attempt;

        Connection(int attempt) {
            this.attempt = new AtomicInteger(attempt);
        }

        MqttClientState state() {
            return v5 != null ? v5.getState() : v3.getState();
        }
    }

    private Connection newConnection(int attempt) {
        Connection conn = new Connection(attempt);
        MqttClientBuilder b = MqttClient.builder()
                .identifier(options.clientId())
                .serverHost(options.host())
                .serverPort(options.port())
                .addConnectedListener(c -> connected(conn))
                .addDisconnectedListener(c -> {
                    // the client's own reconnect is never used: the next attempt is a new client (see ended)
                    c.getReconnector().reconnect(false);
                    ended(conn, c.getCause());
                });
        if (ssl != null) {
            b = b.sslConfig(ssl);
        }
        if (options.mqtt5()) {
            conn.v5 = b.useMqttVersion5().buildAsync();
        } else {
            conn.v3 = b.useMqttVersion3().buildAsync();
        }
        return conn;
    }

    private static MqttClientSslConfig ssl(MqttOptions o) {
        MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder();
        if (o.tlsCa() != null) {
            ssl = ssl.trustManagerFactory(MqttTls.trust(o.tlsCa()));
        }
        if (o.tlsCert() != null) {
            ssl = ssl.keyManagerFactory(MqttTls.identity(o.tlsCert(), o.tlsKey()));
        }
        return ssl.handshakeTimeout(o.broker().timeout().toMillis(), TimeUnit.MILLISECONDS).build();
    }

    @Override
    public Mono<Void> connect() {
        return Mono.defer(() -> {
            if (!connectStarted) {
                connectStarted = true;
                attempt(0);
            }
            return Mono.fromFuture(firstConnect, true);
        });
    }

    /** A new client, connecting; what ends it (a refusal, a failure, a lost connection) schedules the next. */
    private void attempt(int n) {
        if (closing) {
            return;
        }
        Connection conn = newConnection(n);
        current = conn;
        sendConnect(conn).whenComplete((ack, e) -> {
            if (e != null) {
                if (!firstConnect.isDone()) {
                    firstConnect.completeExceptionally(unwrap(e));
                }
                ended(conn, unwrap(e));
            }
        });
    }

    private CompletableFuture<?> sendConnect(Connection conn) {
        Mqtt5AsyncClient v5 = conn.v5;
        Mqtt3AsyncClient v3 = conn.v3;
        int keepAlive = (int) Math.max(1, options.keepAlive().toSeconds());
        if (v5 != null) {
            var c = v5.connectWith().cleanStart(true).sessionExpiryInterval(0).keepAlive(keepAlive);
            if (options.username() != null) {
                c = c.simpleAuth().username(options.username()).password(options.password().reveal().getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth();
            }
            return c.willPublish().topic(topics.availability()).payload(OFFLINE).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .applyWillPublish().send();
        }
        var c = v3.connectWith().cleanSession(true).keepAlive(keepAlive);
        if (options.username() != null) {
            c = c.simpleAuth().username(options.username()).password(options.password().reveal().getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        return c.willPublish().topic(topics.availability()).payload(OFFLINE).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .applyWillPublish().send();
    }

    private void connected(Connection conn) {
        if (conn != current) {
            return;
        }
        conn.attempt.set(0);
        boolean wasRefused = state == State.REFUSED;
        state = State.CONNECTED;
        refusal = null;
        firstConnect.complete(null);
        if (wasRefused) {
            log.info("mqtt: {} accepts this client again", options.url());
        }
        // the birth message, then what Home Assistant needs: retained, sent again at every connect
        fire(topics.availability(), ONLINE, true);
        if (options.homeAssistant()) {
            cameras.forEach((camera, classes) -> homeAssistant.configs(camera, List.copyOf(classes)).forEach((t, p) -> fire(t, p, true)));
        }
    }

    /** The connection {@code conn} ended (or its attempt failed): the next attempt, a new client, after a backoff. */
    private void ended(Connection conn, Throwable cause) {
        if (!conn.ended.compareAndSet(false, true) || conn != current) {
            return;
        }
        if (closing) {
            state = State.CLOSED;
            return;
        }
        BrokerFailures.Kind kind = kind(cause);
        if (kind == BrokerFailures.Kind.STOP) {
            String why = "mqtt: " + options.url() + " refused this client: " + describe(cause);
            if (!why.equals(refusal)) {
                log.error("{}; {}", why, options.hint());
            }
            refusal = why;
            state = State.REFUSED;
        } else if (state != State.REFUSED) {
            if (state == State.CONNECTED) {
                log.warn("mqtt: connection to {} lost ({}); reconnecting", options.url(), describe(cause));
            }
            state = State.CONNECTING;
        }
        int attempts = conn.attempt.get();
        long cap = options.broker().retryMax().toMillis();
        long base = Math.max(100, options.broker().retryMin().toMillis());
        long ceiling = Math.min(cap, base << Math.min(20, attempts));
        long delay = Math.max(base, ThreadLocalRandom.current().nextLong(ceiling + 1));
        try {
            reconnects.schedule(() -> attempt(attempts + 1), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    @Override
    public Mono<Void> publish(BrokerMessage message) {
        return Mono.defer(() -> {
            if (state == State.REFUSED) {
                return Mono.error(BrokerFailures.stop(refusal));
            }
            if (!connectedNow()) {
                // never left in the client's queue: the outbox keeps it and sends it again once connected
                return Mono.error(BrokerFailures.retry("mqtt: not connected to " + options.url()));
            }
            boolean alert = BrokerJson.ALERT.equals(message.kind());
            String topic = alert ? topics.alert(message.cameraId()) : topics.window(message.cameraId());
            // the outcome as a value: one that comes after the sink gave up on it (timed out) is dropped quietly
            return Mono.fromFuture(() -> send(topic, message.body(), false, message.messageId())
                            .handle((v, e) -> Optional.ofNullable(e)), true)
                    .flatMap(e -> e.isPresent() ? Mono.<Void>error(e.get()) : Mono.<Void>empty())
                    .onErrorMap(e -> BrokerFailures.classify("mqtt", unwrap(e), MqttBrokerClient::kind))
                    .doOnSuccess(v -> {
                        if (!alert) {
                            state(message);
                        }
                    });
        });
    }

    private boolean connectedNow() {
        Connection conn = current;
        return conn != null && conn.state().isConnected();
    }

    /** Publishes at the destination's QoS; the future fails with the PUBACK's error too. */
    private CompletableFuture<Void> send(String topic, byte[] payload, boolean retain, String messageId) {
        return send(topic, payload, retain, messageId, MqttQos.fromCode(options.qos()));
    }

    private CompletableFuture<Void> send(String topic, byte[] payload, boolean retain, String messageId, MqttQos qos) {
        Connection conn = current;
        if (conn == null) {
            return CompletableFuture.failedFuture(BrokerFailures.retry("mqtt: not connected to " + options.url()));
        }
        Mqtt5AsyncClient v5 = conn.v5;
        Mqtt3AsyncClient v3 = conn.v3;
        if (v5 != null) {
            var p = v5.publishWith().topic(topic).qos(qos).retain(retain).payload(payload);
            if (messageId != null) {
                p = p.contentType("application/json").payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                        .userProperties().add("message_id", messageId).applyUserProperties();
            }
            return p.send().thenCompose(r -> r.getError().<CompletableFuture<Void>>map(CompletableFuture::failedFuture)
                    .orElseGet(() -> CompletableFuture.completedFuture(null)));
        }
        return v3.publishWith().topic(topic).qos(qos).retain(retain).payload(payload).send().thenApply(p -> null);
    }

    /** A retained last value: not through the outbox (the next connect or window sends it again), failures only logged. */
    private void fire(String topic, byte[] payload, boolean retain) {
        fire(topic, payload, retain, MqttQos.fromCode(options.qos()));
    }

    private void fire(String topic, byte[] payload, boolean retain, MqttQos qos) {
        if (closing && payload != STOPPED) {
            return;
        }
        send(topic, payload, retain, null, qos).whenComplete((v, e) -> {
            if (e != null) {
                log.debug("mqtt: {} not published: {}", topic, describe(unwrap(e)));
            }
        });
    }

    /** The camera's retained state after one of its windows was acknowledged; new classes announced to Home Assistant first. */
    private void state(BrokerMessage window) {
        try {
            JsonNode w = JSON.readTree(window.body());
            String camera = window.cameraId();
            Map<String, Long> counts = new LinkedHashMap<>();
            w.path("class_stats").forEach(s -> counts.put(s.path("class_name").asText(), s.path("count").asLong()));
            if (options.homeAssistant()) {
                Set<String> known = cameras.computeIfAbsent(camera, k -> ConcurrentHashMap.newKeySet());
                for (String c : counts.keySet()) {
                    if (known.add(c)) {
                        homeAssistant.classConfig(camera, c).forEach((t, p) -> fire(t, p, true));
                    }
                }
            }
            double seconds = Duration.between(Instant.parse(w.path("window_start").asText()),
                    Instant.parse(w.path("window_end").asText())).toMillis() / 1000.0;
            ObjectNode s = JSON.createObjectNode();
            s.put("camera_id", camera);
            String source = context.sourceState().apply(camera);
            s.put("source_state", source == null ? "unknown" : source);
            s.put("fps", seconds > 0 ? Math.round(w.path("frames_seen").asLong() / seconds * 10) / 10.0 : 0);
            s.put("fps_inferred", seconds > 0 ? Math.round(w.path("frames_inferred").asLong() / seconds * 10) / 10.0 : 0);
            s.put("window_end", w.path("window_end").asText());
            s.put("inference_errors", w.path("inference_errors").asLong());
            ObjectNode c = s.putObject("counts");
            counts.forEach(c::put);
            s.put("message_id", window.messageId());
            // at QoS 0: a last value the next window replaces needs no acknowledgement, and the broker's PUBACK for it
            // between two windows' PUBACKs held each window back by a delayed TCP ACK on a broker with Nagle on
            // (mosquitto as Debian ships it): a backlog drained at 944 msg/s against a plain loop's 21,409
            fire(topics.state(camera), JSON.writeValueAsBytes(s), true, MqttQos.AT_MOST_ONCE);
        } catch (IOException | RuntimeException e) {
            log.debug("mqtt: no state for camera {}: {}", window.cameraId(), e.toString());
        }
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public void cameras(Set<String> ids) {
        List<String> gone = new ArrayList<>();
        for (String id : cameras.keySet()) {
            if (!ids.contains(id)) {
                gone.add(id);
            }
        }
        for (String id : ids) {
            if (cameras.putIfAbsent(id, ConcurrentHashMap.newKeySet()) == null && options.homeAssistant() && connectedNow()) {
                homeAssistant.configs(id, List.of()).forEach((t, p) -> fire(t, p, true));
            }
        }
        for (String id : gone) {
            Set<String> classes = cameras.remove(id);
            // an empty retained payload deletes a retained message: Home Assistant then removes the sensor
            if (options.homeAssistant()) {
                homeAssistant.configs(id, List.copyOf(classes)).keySet().forEach(t -> fire(t, new byte[0], true));
            }
            fire(topics.state(id), new byte[0], true);
            log.info("mqtt: camera {} removed: its retained state{} cleared", id, options.homeAssistant() ? " and discovery" : "");
        }
    }

    @Override
    public String describe() {
        return options.url() + " (MQTT " + (options.mqtt5() ? "5" : "3.1.1") + ", QoS " + options.qos() + ", client id "
                + options.clientId() + ", topics " + topics.root() + "/...)";
    }

    @Override
    public void close(Duration grace) {
        if (closing) {
            return;
        }
        closing = true;
        try {
            if (connectedNow()) {
                send(topics.availability(), STOPPED, true, null).get(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            log.debug("mqtt: 'stopped' not acknowledged: {}", describe(unwrap(e)));
        }
        try {
            // a normal disconnect: the broker drops the will, availability stays 'stopped'
            Connection conn = current;
            if (conn != null && conn.state().isConnected()) {
                (conn.v5 != null ? conn.v5.disconnect() : conn.v3.disconnect()).get(Math.max(1000, grace.toMillis()),
                        TimeUnit.MILLISECONDS);
            } else if (conn != null) {
                // connecting: the attempt is ended, no new one is made (closing)
                CompletableFuture<Void> ignored = conn.v5 != null ? conn.v5.disconnect() : conn.v3.disconnect();
            }
        } catch (Exception e) {
            log.debug("mqtt: disconnect: {}", describe(unwrap(e)));
        }
        reconnects.dispose();
        state = State.CLOSED;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable e) {
        return e == null ? "closed" : BrokerFailures.describe(e);
    }

    /**
     * The broker refused this client or its message for a person to fix (credentials, ACL, a certificate): stop; a message
     * it will never take (a topic or payload refused, too large for it): dead letter; the rest is retried.
     */
    static BrokerFailures.Kind kind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Mqtt5ConnAckException c) {
                Mqtt5ConnAckReasonCode r = c.getMqttMessage().getReasonCode();
                return switch (r) {
                    case NOT_AUTHORIZED, BAD_USER_NAME_OR_PASSWORD, BANNED, CLIENT_IDENTIFIER_NOT_VALID, BAD_AUTHENTICATION_METHOD,
                            UNSUPPORTED_PROTOCOL_VERSION, TOPIC_NAME_INVALID, QOS_NOT_SUPPORTED, RETAIN_NOT_SUPPORTED -> BrokerFailures.Kind.STOP;
                    default -> BrokerFailures.Kind.RETRY;
                };
            }
            if (t instanceof Mqtt3ConnAckException c) {
                Mqtt3ConnAckReturnCode r = c.getMqttMessage().getReturnCode();
                return r == Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE ? BrokerFailures.Kind.RETRY : BrokerFailures.Kind.STOP;
            }
            if (t instanceof Mqtt5PubAckException p) {
                Mqtt5PubAckReasonCode r = p.getMqttMessage().getReasonCode();
                return switch (r) {
                    case NOT_AUTHORIZED -> BrokerFailures.Kind.STOP;
                    case TOPIC_NAME_INVALID, PAYLOAD_FORMAT_INVALID -> BrokerFailures.Kind.DEAD_LETTER;
                    default -> BrokerFailures.Kind.RETRY;
                };
            }
            if (t instanceof MqttEncodeException) {
                // larger than the broker's maximum packet size
                return BrokerFailures.Kind.DEAD_LETTER;
            }
            if (t instanceof SSLException) {
                // the broker's certificate is not trusted, or it refused ours: a person must act
                return BrokerFailures.Kind.STOP;
            }
        }
        return BrokerFailures.Kind.RETRY;
    }
}
