package io.edgewatch.sink.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.sink.broker.BrokerClient;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.broker.BrokerOptions;

/**
 * The kafka destination ({@code kafka:} in edgewatch.yaml), validated by the daemon's reader: where it sends and
 * how; it makes its client, a {@link KafkaTransport}. The password and every secret-looking property are never
 * printed.
 *
 * @param broker what every broker destination has (name {@code kafka}, windows/alerts, timeout, retry, probe)
 * @param bootstrapServers {@code host:port[,host:port…]}
 * @param topic where windows go
 * @param alertsTopic where alerts go ({@code topic} unless set)
 * @param security how the producer authenticates
 * @param properties passed to the producer as they are, over edgewatch's defaults; never those that would break
 *                   delivery ({@link #OWNED})
 * @param clientId the producer's {@code client.id}
 */
public record KafkaOptions(BrokerOptions broker, String bootstrapServers, String topic, String alertsTopic, Security security,
                           Map<String, String> properties, String clientId) implements BrokerDestination {

    /** The destination's name: its outbox destination and the sink cameras name. */
    public static final String DESTINATION = "kafka";

    /** Kafka's legal topic characters; a name has 1 to {@value #MAX_TOPIC_LENGTH} of them and is not "." or "..". */
    public static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");
    public static final int MAX_TOPIC_LENGTH = 249;
    /** {@code security.protocol} values. */
    public static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    /** {@code security.mechanism} values (a username and a password each). */
    public static final List<String> MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    /**
     * Producer settings edgewatch sets itself and refuses in {@code properties}: what "delivered" means (every in-sync
     * replica has the record, written once per producer session), what goes on the wire, and where.
     */
    public static final Set<String> OWNED = Set.of(ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SaslConfigs.SASL_MECHANISM, SaslConfigs.SASL_JAAS_CONFIG,
            CommonClientConfigs.ENABLE_METRICS_PUSH_CONFIG);
    /** Defaults edgewatch gives the producer (the rest are Kafka's), each overridable in {@code properties}. */
    public static final Map<String, String> DEFAULTS = Map.of(
            // a report goes at once: the outbox holds one record per camera in flight, so there is nothing to batch for
            ProducerConfig.LINGER_MS_CONFIG, "0",
            // send() waits this long for the topic's metadata (a broker down at start): not a minute, the send
            // thread serves every camera, and less than the destination's timeout (10 s)
            ProducerConfig.MAX_BLOCK_MS_CONFIG, "4000",
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");

    public KafkaOptions {
        broker = broker == null ? BrokerOptions.of(DESTINATION, null) : broker;
        properties = Map.copyOf(properties == null ? Map.of() : properties);
        alertsTopic = alertsTopic == null ? topic : alertsTopic;
        security = security == null ? Security.PLAINTEXT : security;
    }

    /** How the producer authenticates; the password is a {@link Secret}. */
    public record Security(String protocol, String mechanism, String username, Secret password) {

        public static final Security PLAINTEXT = new Security("PLAINTEXT", null, null, Secret.none());

        public Security {
            password = password == null ? Secret.none() : password;
        }

        boolean sasl() {
            return protocol.startsWith("SASL_");
        }
    }

    @Override
    public BrokerClient newClient(BrokerContext context) {
        return new KafkaTransport(this);
    }

    @Override
    public String hint() {
        return "check kafka.bootstrap_servers, kafka.topic and kafka.security, the broker's ACLs, and that the topic exists";
    }

    /** True for a property whose value is a secret: never printed, masked wherever it appears. */
    public static boolean secretProperty(String name) {
        return name.contains("password") || name.contains("jaas") || name.endsWith(".key") || name.contains("secret");
    }

    /** The producer's configuration: edgewatch's fixed settings, its defaults, then {@link #properties}. */
    public Properties producerProperties() {
        Map<String, Object> p = new LinkedHashMap<>(DEFAULTS);
        p.putAll(properties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // the shaded jar leaves the client-telemetry classes out (their protobuf and OpenTelemetry): never pushed
        p.put(CommonClientConfigs.ENABLE_METRICS_PUSH_CONFIG, "false");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        if (clientId != null && !p.containsKey(ProducerConfig.CLIENT_ID_CONFIG)) {
            p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        }
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, security.protocol());
        if (security.sasl()) {
            String module = security.mechanism().startsWith("SCRAM") ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                    : "org.apache.kafka.common.security.plain.PlainLoginModule";
            p.put(SaslConfigs.SASL_MECHANISM, security.mechanism());
            p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaasQuote(security.username())
                    + "\" password=\"" + jaasQuote(security.password().reveal()) + "\";");
        }
        Properties out = new Properties();
        out.putAll(p);
        return out;
    }

    private static String jaasQuote(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>();
        properties.forEach((k, v) -> shown.put(k, secretProperty(k) ? "***" : v));
        return "KafkaOptions[broker=" + broker + ", bootstrapServers=" + bootstrapServers + ", topic=" + topic + ", alertsTopic=" + alertsTopic
                + ", security=" + security + ", properties=" + shown + ", clientId=" + clientId + "]";
    }
}
