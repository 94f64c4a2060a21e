package io.edgewatch.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/**
 * The consumer of the MQTT tests: a real MQTT 5 client (HiveMQ's) subscribed to a filter at QoS 1,
 * keeping every message that arrives, with its {@code message_id} user property. A persistent one
 * ({@link #persistent}) keeps its session on the broker: with the broker's {@code persistence true}
 * it gets, after a restart of the broker or of itself, what was published meanwhile.
 */
public final class MqttSubscriber implements AutoCloseable {

    /** One message as it arrived. */
    public record Received(String topic, String payload, boolean retained, String messageId) {
    }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    /** The last retained (or not) payload per topic. */
    public final Map<String, String> last = new ConcurrentHashMap<>();
    private final String host;
    private final int port;
    private final String filter;
    private final String user;
    private final String password;
    private final String clientId;
    private final boolean persistent;
    private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mqtt-subscriber-reconnect");
        t.setDaemon(true);
        return t;
    });
    private volatile Mqtt5AsyncClient client;
    private volatile boolean closed;

    public MqttSubscriber(String host, int port, String filter) throws Exception {
        this(host, port, filter, null, null);
    }

    public MqttSubscriber(String host, int port, String filter, String user, String password) throws Exception {
        this(host, port, filter, user, password, "test-" + UUID.randomUUID(), false);
    }

    /** A subscriber whose session ({@code clientId}'s) the broker keeps while it is away. */
    public static MqttSubscriber persistent(String host, int port, String filter, String user, String password, String clientId)
            throws Exception {
        return new MqttSubscriber(host, port, filter, user, password, clientId, true);
    }

    private MqttSubscriber(String host, int port, String filter, String user, String password, String clientId, boolean persistent)
            throws Exception {
        this.host = host;
        this.port = port;
        this.filter = filter;
        this.user = user;
        this.password = password;
        this.clientId = clientId;
        this.persistent = persistent;
        connect().get(10, TimeUnit.SECONDS);
    }

    /**
     * One connection: a new client each time (HiveMQ 1.3.10's own reconnect, with a password, was refused NOT_AUTHORIZED
     * by mosquitto), subscribing unless the broker kept the session; a lost one is made again every 200 ms.
     */
    private CompletableFuture<?> connect() {
        Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost(host).serverPort(port)
                .addDisconnectedListener(ctx -> {
                    ctx.getReconnector().reconnect(false);
                    if (!closed) {
                        reconnects.schedule(this::connect, 200, TimeUnit.MILLISECONDS);
                    }
                }).buildAsync();
        client = c;
        // before the connect: what a kept session holds arrives right after it
        c.publishes(MqttGlobalPublishFilter.ALL, this::arrived);
        var connect = c.connectWith().cleanStart(!persistent).sessionExpiryInterval(persistent ? 3600 : 0);
        if (user != null) {
            connect = connect.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        return connect.send().thenCompose(ack -> ack.isSessionPresent() ? CompletableFuture.completedFuture(null)
                : c.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send());
    }

    private void arrived(Mqtt5Publish p) {
        String payload = new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
        String id = p.getUserProperties().asList().stream().filter(u -> u.getName().toString().equals("message_id"))
                .map(u -> u.getValue().toString()).findFirst().orElse(null);
        received.add(new Received(p.getTopic().toString(), payload, p.isRetain(), id));
        last.put(p.getTopic().toString(), payload);
    }

    public List<Received> on(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    public static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + within.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        reconnects.shutdownNow();
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // not connected
        }
    }
}
