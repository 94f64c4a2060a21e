package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import io.edgewatch.sink.kafka.KafkaOptions;

class KafkaReaderTest {

    private static final Path FILE = Path.of("edgewatch.yaml");

    private final List<ConfigError> errors = new ArrayList<>();

    private KafkaOptions read(String yaml, Map<String, String> env) throws Exception {
        Section main = Section.root(errors, FILE, YamlReader.read(new StringReader(yaml)), env, new LinkedHashMap<>());
        main.string("device_id", null);
        KafkaOptions o = KafkaReader.read(main.section("kafka"), "box-7");
        main.rejectUnknownKeys();
        return o;
    }

    private List<String> messages() {
        return errors.stream().map(e -> e.line() + ":" + e.column() + ": " + e.key() + ": " + e.message()).toList();
    }

    @Test
    void theIssuesSectionReadsWithTheProducerEdgewatchNeeds() throws Exception {
        KafkaOptions o = read("""
                kafka:
                  bootstrap_servers: 127.0.0.1:9092,broker-2.plant:9093
                  topic: edgewatch.windows
                  alerts_topic: edgewatch.alerts
                  security:
                    protocol: SASL_SSL
                    mechanism: SCRAM-SHA-512
                    username: box
                    password: ${KAFKA_PASSWORD}
                  properties: {delivery.timeout.ms: 60000, client.id: plant-7}
                """, Map.of("KAFKA_PASSWORD", "s3cret-pw"));
        assertThat(messages()).isEmpty();
        assertThat(o.topic()).isEqualTo("edgewatch.windows");
        assertThat(o.alertsTopic()).isEqualTo("edgewatch.alerts");
        assertThat(o.security().password().reveal()).isEqualTo("s3cret-pw");
        assertThat(o.toString()).doesNotContain("s3cret-pw");
        Properties p = o.producerProperties();
        assertThat(p).containsEntry("acks", "all").containsEntry("enable.idempotence", "true").containsEntry("linger.ms", "0")
                .containsEntry("delivery.timeout.ms", "60000").containsEntry("client.id", "plant-7")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat((String) p.get("sasl.jaas.config")).contains("ScramLoginModule required username=\"box\"");
    }

    @Test
    void withoutTheSectionKafkaIsOffAndAlertsGoToTheWindowsTopicUnlessSet() throws Exception {
        assertThat(read("device_id: x\n", Map.of())).isNull();
        KafkaOptions o = read("kafka:\n  bootstrap_servers: 127.0.0.1:9092\n  topic: w\n", Map.of());
        assertThat(o.alertsTopic()).isEqualTo("w");
        assertThat(o.clientId()).isEqualTo("edgewatch-box-7");
        assertThat(o.security()).isEqualTo(KafkaOptions.Security.PLAINTEXT);
        assertThat(messages()).isEmpty();
    }

    @Test
    void everyMistakeIsReportedWithItsPosition() throws Exception {
        read("""
                kafka:
                  bootstrap_servers: 127.0.0.1,host:99999
                  topic: edge watch/windows
                  alerts_topic: %s
                  securty: {}
                  security: {protocol: SASL_SSL, username: box, passwrd: x}
                  properties:
                    acks: 1
                    linger.msec: 5
                    retries: many
                    ssl.truststore.location: /nonexistent/ca.jks
                    request.timeout.ms: 30000
                    delivery.timeout.ms: 1000
                """.formatted("a".repeat(250)), Map.of());
        assertThat(messages()).containsExactlyInAnyOrder(
                "2:22: kafka.bootstrap_servers: '127.0.0.1' is not host:port (such as 127.0.0.1:9092; several separated by commas)",
                "2:22: kafka.bootstrap_servers: 'host:99999' is not host:port (such as 127.0.0.1:9092; several separated by commas)",
                "3:10: kafka.topic: 'edge watch/windows' is not a topic name Kafka accepts (letters, digits, '.', '_', '-'; not '.' or '..')",
                "4:17: kafka.alerts_topic: a Kafka topic has at most 249 characters; this one has 250",
                "6:13: kafka.security.mechanism: is required",
                "6:13: kafka.security.password: is required",
                "6:49: kafka.security.passwrd: unknown key; did you mean 'password'? (known here: protocol, mechanism, username, password)",
                "8:11: kafka.properties.acks: edgewatch sets acks itself (all: delivered means every in-sync replica has it): leave it out",
                "9:18: kafka.properties.linger.msec: not a Kafka producer setting; did you mean 'linger.ms'? (the names of org.apache.kafka.clients.producer.ProducerConfig)",
                "10:14: kafka.properties.retries: Invalid value many for configuration retries: Not a number of type INT",
                "11:30: kafka.properties.ssl.truststore.location: the file /nonexistent/ca.jks cannot be read",
                "13:26: kafka.properties.delivery.timeout.ms: delivery.timeout.ms (1000) must be at least linger.ms + request.timeout.ms (30000)",
                "5:3: kafka.securty: unknown key; did you mean 'security'? (known here: windows, alerts, timeout, retry_max, probe_interval, max_in_flight, bootstrap_servers, topic, alerts_topic, security, properties)");
    }

    @Test
    void credentialsOnlyWithSaslAndASecretPropertyIsNeverEchoed() throws Exception {
        read("""
                kafka:
                  bootstrap_servers: 127.0.0.1:9092
                  topic: w
                  security: {protocol: SSL, username: box}
                  properties: {ssl.key.password: [hunter2]}
                """, Map.of());
        assertThat(messages()).anySatisfy(m -> assertThat(m).contains("kafka.security.username: only with protocol SASL_PLAINTEXT"))
                .noneSatisfy(m -> assertThat(m).contains("hunter2"));
    }
}
