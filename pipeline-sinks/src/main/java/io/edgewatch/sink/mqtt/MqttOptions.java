package io.edgewatch.sink.mqtt;

import java.nio.file.Path;
import java.time.Duration;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.sink.broker.BrokerClient;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.broker.BrokerOptions;

/**
 * The MQTT destination ({@code mqtt:}).
 *
 * @param broker what every broker destination has (destination {@code mqtt})
 * @param url as written, {@code tcp://host:port} or {@code ssl://host:port}: for logs (no credentials in it)
 * @param host the broker's host
 * @param port its port (1883, 8883 for ssl, unless given)
 * @param tls whether the connection is TLS ({@code ssl://})
 * @param clientId the MQTT client identifier
 * @param username null for none
 * @param password {@link Secret#none()} for none
 * @param tlsCa PEM certificates the broker's certificate must chain to; null: the JVM's trust store
 * @param tlsCert PEM client certificate (chain), with {@code tlsKey}; null for none
 * @param tlsKey PEM PKCS#8 private key of {@code tlsCert}
 * @param topics the topic names ({@code topic_prefix}, the device)
 * @param qos 1 or 2 (0 only when windows are off: alerts then go unacknowledged)
 * @param mqtt5 MQTT 5 (the message id also as a user property), else 3.1.1
 * @param homeAssistant whether discovery configs are published under {@code discoveryPrefix}
 * @param discoveryPrefix Home Assistant's discovery prefix ({@code homeassistant})
 * @param keepAlive the MQTT keep-alive: how soon a silent broker is noticed
 */
public record MqttOptions(BrokerOptions broker, String url, String host, int port, boolean tls, String clientId, String username,
                          Secret password, Path tlsCa, Path tlsCert, Path tlsKey, MqttTopics topics, int qos, boolean mqtt5,
                          boolean homeAssistant, String discoveryPrefix, Duration keepAlive) implements BrokerDestination {

    public static final String DESTINATION = "mqtt";
    public static final String DEFAULT_TOPIC_PREFIX = "edgewatch";
    public static final String DEFAULT_DISCOVERY_PREFIX = "homeassistant";
    public static final int DEFAULT_QOS = 1;
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);

    public MqttOptions {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos is 0, 1 or 2, not " + qos);
        }
        if (qos == 0 && broker.windows()) {
            throw new IllegalArgumentException("QoS 0 cannot be acknowledged: windows need qos 1 or 2");
        }
    }

    /** A plain {@code tcp://host:port} destination with every default, for tests and benches. */
    public static MqttOptions of(String host, int port, String clientId, String deviceId) {
        return new MqttOptions(BrokerOptions.of(DESTINATION, deviceId), "tcp://" + host + ":" + port, host, port, false, clientId,
                null, Secret.none(), null, null, null, new MqttTopics(DEFAULT_TOPIC_PREFIX, deviceId == null ? clientId : deviceId),
                DEFAULT_QOS, true, false, DEFAULT_DISCOVERY_PREFIX, DEFAULT_KEEP_ALIVE);
    }

    public MqttOptions withBroker(BrokerOptions broker) {
        return new MqttOptions(broker, url, host, port, tls, clientId, username, password, tlsCa, tlsCert, tlsKey, topics, qos,
                mqtt5, homeAssistant, discoveryPrefix, keepAlive);
    }

    public MqttOptions withCredentials(String username, Secret password) {
        return new MqttOptions(broker, url, host, port, tls, clientId, username, password, tlsCa, tlsCert, tlsKey, topics, qos,
                mqtt5, homeAssistant, discoveryPrefix, keepAlive);
    }

    public MqttOptions withTls(Path ca, Path cert, Path key) {
        return new MqttOptions(broker, url.replaceFirst("^tcp://", "ssl://"), host, port, true, clientId, username, password, ca,
                cert, key, topics, qos, mqtt5, homeAssistant, discoveryPrefix, keepAlive);
    }

    public MqttOptions withVersion(boolean mqtt5) {
        return new MqttOptions(broker, url, host, port, tls, clientId, username, password, tlsCa, tlsCert, tlsKey, topics, qos,
                mqtt5, homeAssistant, discoveryPrefix, keepAlive);
    }

    public MqttOptions withHomeAssistant(boolean on, String discoveryPrefix) {
        return new MqttOptions(broker, url, host, port, tls, clientId, username, password, tlsCa, tlsCert, tlsKey, topics, qos,
                mqtt5, on, discoveryPrefix, keepAlive);
    }

    public MqttOptions withKeepAlive(Duration keepAlive) {
        return new MqttOptions(broker, url, host, port, tls, clientId, username, password, tlsCa, tlsCert, tlsKey, topics, qos,
                mqtt5, homeAssistant, discoveryPrefix, keepAlive);
    }

    @Override
    public BrokerClient newClient(BrokerContext context) {
        return new MqttBrokerClient(this, context);
    }

    @Override
    public String hint() {
        return "check mqtt.username, mqtt.password, the broker's ACL for " + topics.root() + "/#"
                + (tls ? " and mqtt.tls (the broker's CA, the client certificate)" : "");
    }
}
