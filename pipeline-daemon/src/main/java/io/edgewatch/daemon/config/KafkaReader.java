package io.edgewatch.daemon.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.sink.broker.BrokerOptions;
import io.edgewatch.sink.kafka.KafkaOptions;

/**
 * {@code kafka:} in edgewatch.yaml: the kafka destination, off (null) when the section is absent; the keys every
 * broker section has ({@code windows}, {@code alerts}, {@code timeout}, …) are {@link BrokerReader#common}'s. Every problem
 * the producer would only find at its first send is reported here with its position: a server that is not
 * {@code host:port}, a topic name the broker refuses (Kafka's characters, at most 249 of them), SASL without a
 * mechanism or credentials, a property the producer does not know (with a "did you mean"), a value of the wrong
 * type or range for it, a setting edgewatch owns ({@link KafkaOptions#OWNED}), a TLS file that cannot be read.
 */
final class KafkaReader {

    private static final Set<String> PRODUCER_NAMES = ProducerConfig.configNames();
    private static final Map<String, ConfigDef.ConfigKey> PRODUCER_KEYS = ProducerConfig.configDef().configKeys();

    private KafkaReader() {
    }

    /** The section {@code s} ({@code kafka:}), or null when it is missing or empty. */
    static KafkaOptions read(Section s, String deviceId) {
        if (s.isEmpty()) {
            return null;
        }
        BrokerOptions broker = BrokerReader.common(s, KafkaOptions.DESTINATION, deviceId);
        String servers = s.requiredString("bootstrap_servers");
        if (servers != null) {
            for (String server : servers.split(",", -1)) {
                if (!server.trim().matches("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+):\\d{1,5}")
                        || Integer.parseInt(server.trim().replaceAll(".*:", "")) < 1
                        || Integer.parseInt(server.trim().replaceAll(".*:", "")) > 65535) {
                    s.error("bootstrap_servers", Echo.quote(server.trim()) + " is not host:port (such as 127.0.0.1:9092; "
                            + "several separated by commas)");
                }
            }
        }
        String topic = topic(s, "topic", s.requiredString("topic"));
        String alertsTopic = topic(s, "alerts_topic", s.string("alerts_topic", null));
        KafkaOptions.Security security = security(s.section("security"));
        Map<String, String> properties = properties(s);
        s.rejectUnknownKeys();
        if (servers == null || topic == null) {
            return null;
        }
        return new KafkaOptions(broker, servers.trim(), topic, alertsTopic, security, properties,
                "edgewatch-" + (deviceId == null ? "box" : deviceId));
    }

    private static String topic(Section s, String key, String name) {
        if (name == null) {
            return null;
        }
        if (name.length() > KafkaOptions.MAX_TOPIC_LENGTH) {
            s.error(key, "a Kafka topic has at most " + KafkaOptions.MAX_TOPIC_LENGTH + " characters; this one has " + name.length());
            return null;
        }
        if (!KafkaOptions.TOPIC.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            s.error(key, Echo.quote(name) + " is not a topic name Kafka accepts (letters, digits, '.', '_', '-'; not '.' or '..')");
            return null;
        }
        return name;
    }

    private static KafkaOptions.Security security(Section s) {
        String protocol = s.oneOf("protocol", "PLAINTEXT", KafkaOptions.PROTOCOLS);
        boolean sasl = protocol != null && protocol.startsWith("SASL_");
        String mechanism = null;
        String username = null;
        String password = null;
        if (sasl) {
            mechanism = s.oneOf("mechanism", null, KafkaOptions.MECHANISMS);
            username = s.requiredString("username");
            password = s.requiredString("password");
        } else {
            for (String key : List.of("mechanism", "username", "password")) {
                if (s.has(key)) {
                    s.error(key, "only with protocol SASL_PLAINTEXT or SASL_SSL (protocol is " + protocol + ")");
                }
            }
        }
        s.rejectUnknownKeys();
        if (protocol == null || sasl && (mechanism == null || username == null || password == null)) {
            return KafkaOptions.Security.PLAINTEXT;
        }
        return new KafkaOptions.Security(protocol, mechanism, username, Secret.of(password));
    }

    private static Map<String, String> properties(Section s) {
        Map<String, String> written = s.stringMap("properties");
        Section where = s.section("properties");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : written.entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (KafkaOptions.secretProperty(name)) {
                Secret.of(value);
            }
            if (KafkaOptions.OWNED.contains(name)) {
                where.error(name, "edgewatch sets " + name + " itself (" + owned(name) + "): leave it out");
                continue;
            }
            if (!PRODUCER_NAMES.contains(name)) {
                String hint = closest(name);
                where.error(name, "not a Kafka producer setting" + (hint != null ? "; did you mean '" + hint + "'?" : "")
                        + " (the names of org.apache.kafka.clients.producer.ProducerConfig)");
                continue;
            }
            ConfigDef.ConfigKey key = PRODUCER_KEYS.get(name);
            try {
                Object parsed = ConfigDef.parseType(name, value, key.type);
                if (key.validator != null) {
                    key.validator.ensureValid(name, parsed);
                }
            } catch (ConfigException bad) {
                where.error(name, KafkaOptions.secretProperty(name) ? "not a valid value" : bad.getMessage());
                continue;
            }
            if (name.endsWith(".location") && !Files.isReadable(Path.of(value))) {
                where.error(name, "the file " + Path.of(value).toAbsolutePath() + " cannot be read");
                continue;
            }
            out.put(name, value);
        }
        long linger = longOf(out, ProducerConfig.LINGER_MS_CONFIG, Long.parseLong(KafkaOptions.DEFAULTS.get(ProducerConfig.LINGER_MS_CONFIG)));
        long request = longOf(out, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        long delivery = longOf(out, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        if (delivery < linger + request) {
            where.error(out.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG) ? ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG
                    : ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "delivery.timeout.ms (" + delivery
                    + ") must be at least linger.ms + request.timeout.ms (" + (linger + request) + ")");
        }
        return out;
    }

    private static long longOf(Map<String, String> p, String name, long def) {
        try {
            return p.containsKey(name) ? Long.parseLong(p.get(name).trim()) : def;
        } catch (NumberFormatException e) {
            return def;
        }
    }

    private static String owned(String name) {
        return switch (name) {
            case ProducerConfig.ACKS_CONFIG -> "all: delivered means every in-sync replica has it";
            case ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG -> "true: a retry inside one producer is written once";
            case ProducerConfig.BOOTSTRAP_SERVERS_CONFIG -> "from kafka.bootstrap_servers";
            case "security.protocol", "sasl.mechanism", "sasl.jaas.config" -> "from kafka.security";
            case ProducerConfig.TRANSACTIONAL_ID_CONFIG -> "edgewatch's producer is not transactional";
            case "enable.metrics.push" -> "false: the box's metrics are its own /metrics; the jar has no client telemetry";
            default -> "records are the report's JSON keyed by camera id";
        };
    }

    private static String closest(String unknown) {
        List<String> names = new ArrayList<>(PRODUCER_NAMES);
        String best = null;
        int bestDistance = 4;
        for (String n : names) {
            int d = Section.distance(unknown, n);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return best;
    }
}
