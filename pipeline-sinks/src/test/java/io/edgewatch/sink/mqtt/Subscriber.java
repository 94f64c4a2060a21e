package io.edgewatch.sink.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/** A consumer of the tests: a real MQTT 5 client subscribed to a filter at QoS 1, keeping what arrives. */
final class Subscriber implements AutoCloseable {

    /** One message as it arrived. */
    record Received(String topic, String payload, boolean retained, String messageId) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    /** The last retained (or not) payload per topic. */
    final Map<String, String> last = new ConcurrentHashMap<>();
    private final Mqtt5AsyncClient client;

    Subscriber(String host, int port, String filter) throws Exception {
        this(host, port, filter, null, null);
    }

    Subscriber(String host, int port, String filter, String user, String password) throws Exception {
        client = MqttClient.builder().useMqttVersion5().identifier("test-" + UUID.randomUUID()).serverHost(host).serverPort(port)
                .automaticReconnectWithDefaultConfig().buildAsync();
        var c = client.connectWith().cleanStart(true);
        if (user != null) {
            c = c.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        c.send().get(10, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).callback(this::arrived).send().get(10, TimeUnit.SECONDS);
    }

    private void arrived(Mqtt5Publish p) {
        String payload = new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
        String id = p.getUserProperties().asList().stream().filter(u -> u.getName().toString().equals("message_id"))
                .map(u -> u.getValue().toString()).findFirst().orElse(null);
        received.add(new Received(p.getTopic().toString(), payload, p.isRetain(), id));
        last.put(p.getTopic().toString(), payload);
    }

    List<Received> on(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
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
        client.disconnect().get(5, TimeUnit.SECONDS);
    }
}
