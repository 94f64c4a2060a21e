package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.sink.mqtt.MqttOptions;

/** {@code mqtt:} in edgewatch.yaml: what it makes, and what it refuses at its line and column. */
class MqttConfigTest {

    @TempDir
    Path dir;

    private static final String CAMERA = "id: cam-1\nsource:\n  type: test_pattern\ninference:\n  type: motion\n";

    private void write(String main) throws Exception {
        Files.createDirectories(dir.resolve("cameras"));
        Files.writeString(dir.resolve("edgewatch.yaml"), main);
        Files.writeString(dir.resolve("cameras/cam.yaml"), CAMERA);
    }

    private List<String> errors(Map<String, String> env) {
        return catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(env).read(dir)).errors().stream()
                .map(ConfigError::toString).toList();
    }

    @Test
    void theIssuesSectionMakesTheDestinationAndCamerasSendToItByDefault() throws Exception {
        write("""
                device_id: edge-01
                mqtt:
                  url: tcp://127.0.0.1:1883
                  client_id: ${EDGEWATCH_DEVICE_ID}
                  username: box
                  password: ${EDGEWATCH_MQTT_PASSWORD}
                  topic_prefix: plant/edgewatch
                  qos: 1
                  windows: true
                  alerts: true
                  home_assistant: true
                """);
        EdgewatchConfig c = new ConfigLoader(Map.of("EDGEWATCH_DEVICE_ID", "edge-01-c", "EDGEWATCH_MQTT_PASSWORD", "s3cret-pw"))
                .read(dir);
        MqttOptions m = (MqttOptions) c.brokers().get("mqtt");
        assertThat(m.host()).isEqualTo("127.0.0.1");
        assertThat(m.port()).isEqualTo(1883);
        assertThat(m.tls()).isFalse();
        assertThat(m.clientId()).isEqualTo("edge-01-c");
        assertThat(m.username()).isEqualTo("box");
        assertThat(m.password().reveal()).isEqualTo("s3cret-pw");
        assertThat(m.toString()).doesNotContain("s3cret-pw");
        assertThat(m.topics().window("cam-1")).isEqualTo("plant/edgewatch/edge-01/cam-1/window");
        assertThat(m.qos()).isEqualTo(1);
        assertThat(m.mqtt5()).isTrue();
        assertThat(m.homeAssistant()).isTrue();
        assertThat(m.broker().timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.enabledCameras().get(0).sinks()).containsExactly("mqtt");
    }

    @Test
    void unknownKeysABadUrlBadTopicsQos0ForWindowsAndUnreadableTlsFilesAreErrorsAtTheirLine() throws Exception {
        Files.writeString(dir.resolve("not-a-cert.pem"), "hello");
        write("""
                device_id: edge+01
                mqtt:
                  url: http://broker:1883
                  topic_prefix: plant/#
                  qos: 0
                  retain: true
                  version: 4
                  tls:
                    ca: %s
                    cert: /no/such/client.pem
                    key: /no/such/client.key
                    pass: x
                """.formatted(dir.resolve("not-a-cert.pem")));
        Path f = dir.resolve("edgewatch.yaml");
        assertThat(errors(Map.of())).contains(
                f + ":3:8: mqtt.url: expected tcp://host:port or ssl://host:port, found 'http://broker:1883'",
                f + ":4:17: mqtt.topic_prefix: 'plant/#' contains '#' at 7, which MQTT refuses in a topic name (a wildcard or NUL)",
                f + ":5:8: mqtt.qos: QoS 0 cannot be acknowledged, so a window could be lost: use qos 1 (or 2), or windows: false",
                f + ":7:12: mqtt.version: '4' is not one of 5, 3.1.1",
                f + ":9:9: mqtt.tls.ca: " + dir.resolve("not-a-cert.pem") + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                f + ":10:11: mqtt.tls.cert: /no/such/client.pem cannot be read: NoSuchFileException /no/such/client.pem",
                f + ":11:10: mqtt.tls.key: /no/such/client.key cannot be read: NoSuchFileException /no/such/client.key");
        assertThat(errors(Map.of())).anySatisfy(e -> assertThat(e).startsWith(f + ":6:3: mqtt.retain: unknown key"));
        assertThat(errors(Map.of())).anySatisfy(e -> assertThat(e).startsWith(f + ":12:5: mqtt.tls.pass: unknown key"));
        assertThat(errors(Map.of())).anySatisfy(e -> assertThat(e).contains("mqtt.client_id: the topics' device level 'edge+01'"));
    }

    @Test
    void credentialsInTheUrlAndTlsOnPlainTcpAreRefused() throws Exception {
        write("""
                mqtt:
                  url: tcp://user:pw@broker
                  tls: {ca: /x}
                """);
        Path f = dir.resolve("edgewatch.yaml");
        assertThat(errors(Map.of())).contains(
                f + ":2:8: mqtt.url: credentials do not go in the URL: set mqtt.username and mqtt.password");
        write("mqtt:\n  url: tcp://broker\n  tls: {ca: /x}\n");
        assertThat(errors(Map.of())).anySatisfy(e -> assertThat(e).contains("mqtt.tls: TLS settings need an ssl:// URL"));
    }

    @Test
    void anSslUrlDefaultsTo8883AndVersion311IsSelectable() throws Exception {
        write("device_id: edge-01\nmqtt:\n  url: ssl://broker.example\n  version: 3.1.1\n  windows: false\n  qos: 0\n");
        MqttOptions m = (MqttOptions) new ConfigLoader(Map.of()).read(dir).brokers().get("mqtt");
        assertThat(m.port()).isEqualTo(8883);
        assertThat(m.tls()).isTrue();
        assertThat(m.mqtt5()).isFalse();
        assertThat(m.qos()).isZero();
        assertThat(m.url()).isEqualTo("ssl://broker.example:8883");
    }
}
