package io.edgewatch.sink.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.sink.broker.BrokerClient;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.testkit.Mosquitto;
import io.edgewatch.testkit.MqttSubscriber;

/**
 * TLS with certificates this test makes with openssl: a CA, mosquitto's server certificate for
 * 127.0.0.1 signed by it, and a client certificate signed by it that mosquitto requires. The box
 * with the CA and its certificate delivers; with another CA, or without a client certificate, it
 * is refused: the destination stops and keeps its entries.
 */
class MqttTlsTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    Path pki;
    Mosquitto broker;
    Outbox outbox;
    BrokerSink sink;

    private void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(pki.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("openssl %s: %s", String.join(" ", args), out).isZero();
    }

    /** A CA ({@code name}.pem, .key). */
    private void ca(String name) throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
                "-subj", "/CN=" + name);
    }

    /** A certificate {@code name}.pem with its PKCS#8 key, signed by {@code ca}, with {@code san} (or none). */
    private void cert(String name, String cn, String ca, String san) throws Exception {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
        Path ext = pki.resolve(name + ".ext");
        Files.writeString(ext, san == null ? "basicConstraints=CA:FALSE\n" : "basicConstraints=CA:FALSE\nsubjectAltName=" + san + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-out",
                name + ".pem", "-days", "2", "-extfile", ext.toString());
    }

    @BeforeEach
    void pki() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (scripts/install-test-deps)");
        pki = Files.createDirectories(dir.resolve("pki"));
        ca("ca");
        ca("other-ca");
        cert("server", "127.0.0.1", "ca", "IP:127.0.0.1,DNS:localhost");
        cert("client", "edgewatch-box", "ca", null);
        broker = Mosquitto.start(dir.resolve("broker"), "cafile " + pki.resolve("ca.pem"), "certfile " + pki.resolve("server.pem"),
                "keyfile " + pki.resolve("server.key"), "require_certificate true", "use_identity_as_username true",
                "allow_anonymous true");
        outbox = Outbox.open(dir.resolve("storage"), 10_000, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        if (sink != null) {
            sink.close(Duration.ofSeconds(2));
        }
        if (outbox != null) {
            outbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private MqttOptions options(String ca, boolean clientCert) {
        MqttOptions o = MqttOptions.of("127.0.0.1", broker.port(), "edge-tls", "edge-tls")
                .withTls(pki.resolve(ca + ".pem"), clientCert ? pki.resolve("client.pem") : null,
                        clientCert ? pki.resolve("client.key") : null);
        return o.withBroker(o.broker().withRetry(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofMillis(500))
                .withTimeout(Duration.ofSeconds(3)));
    }

    private void start(MqttOptions o) {
        sink = BrokerSink.start(outbox, o, BrokerContext.NONE, Map.of());
        sink.cameras(Set.of("cam-1"));
        for (int i = 0; i < 3; i++) {
            sink.write(MqttBrokerClientTest.window("cam-1", i)).block(Duration.ofSeconds(5));
        }
    }

    @Test
    void theBoxWithTheCaAndItsCertificateDelivers() throws Exception {
        start(options("ca", true));
        MqttSubscriber.await(() -> outbox.stats().depth() == 0, WITHIN);
        assertThat(sink.stats().acknowledged()).isEqualTo(3);
        assertThat(sink.stats().state()).isEqualTo(BrokerClient.State.CONNECTED);
        assertThat(outbox.stats().delivered()).isEqualTo(3);
    }

    @Test
    void anotherCaIsRefusedTheDestinationStopsAndKeepsTheEntries() throws Exception {
        start(options("other-ca", true));
        MqttSubscriber.await(sink::stopped, WITHIN);
        assertThat(sink.stopReason()).containsIgnoringCase("certificat");
        assertThat(sink.stats().state()).isEqualTo(BrokerClient.State.REFUSED);
        assertThat(outbox.stats().depth()).isEqualTo(3);
    }

    @Test
    void withoutAClientCertificateTheBrokerRefusesTheBox() throws Exception {
        start(options("ca", false));
        MqttSubscriber.await(sink::stopped, WITHIN);
        assertThat(sink.stats().state()).isNotEqualTo(BrokerClient.State.CONNECTED);
        Thread.sleep(1000);
        assertThat(outbox.stats().depth()).isEqualTo(3);
        assertThat(sink.stopReason()).contains("refused this client");
    }
}
