package io.edgewatch.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.sink.broker.BrokerOptions;
import io.edgewatch.sink.broker.BrokerSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.testkit.KafkaBroker;

/**
 * {@link KafkaTransport} behind a real {@link BrokerSink} and outbox, against a real single-node broker
 * ({@link KafkaBroker}, a child process): what reaches the topic is read back and counted by message id.
 */
class KafkaTransportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "edgewatch.windows";

    @TempDir
    Path dir;

    private KafkaBroker broker;
    private Outbox outbox;
    private BrokerSink sink;
    private KafkaTransport transport;

    @AfterEach
    void tearDown() throws Exception {
        if (sink != null) {
            sink.close(Duration.ofSeconds(1));
        }
        if (outbox != null) {
            outbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private void start(KafkaOptions options) {
        outbox = Outbox.open(dir.resolve("storage"), 100_000, Clock.systemUTC());
        transport = new KafkaTransport(options);
        sink = BrokerSink.start(outbox, options.broker(), transport, Map.of());
    }

    private static BrokerOptions broker() {
        return BrokerOptions.of(KafkaOptions.DESTINATION, "box").withRetry(Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(5));
    }

    private static KafkaOptions options(String bootstrap, Map<String, String> properties) {
        return new KafkaOptions(broker(), bootstrap, TOPIC, null, null, properties, "edgewatch-test");
    }

    private void append(int cameras, int perCamera, int from) {
        for (int i = from; i < from + perCamera; i++) {
            for (int c = 0; c < cameras; c++) {
                String body = "{\"message_id\":\"cam" + c + "-" + i + "\",\"schema_version\":1,\"kind\":\"window\","
                        + "\"camera_id\":\"cam" + c + "\",\"seq\":" + i + "}";
                outbox.append("kafka", "cam" + c, "window", body.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void await(String what, Duration limit, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    private long waiting() {
        return outbox.report(List.of("kafka")).get(0).depth();
    }

    /** Per camera: records, duplicates by message id, order violations (a first copy with a lower seq than one before). */
    private record Count(int records, int unique, int duplicates, int orderViolations, int withoutHeaders) {
    }

    private Count count() throws Exception {
        List<KafkaBroker.Message> read = broker.read(TOPIC);
        Set<String> ids = new HashSet<>();
        Map<String, Integer> last = new HashMap<>();
        int dup = 0;
        int order = 0;
        int noHeaders = 0;
        for (KafkaBroker.Message m : read) {
            String id = m.headers().get(KafkaTransport.ID_HEADER);
            if (id == null || !"1".equals(m.headers().get(KafkaTransport.SCHEMA_HEADER))) {
                noHeaders++;
            }
            JsonNode body = JSON.readTree(m.value());
            assertThat(m.key()).isEqualTo(body.get("camera_id").asText());
            assertThat(id).isEqualTo(body.get("message_id").asText());
            if (!ids.add(id)) {
                dup++;
                continue;
            }
            int seq = body.get("seq").asInt();
            Integer before = last.put(m.key(), seq);
            if (before != null && seq < before) {
                order++;
            }
        }
        return new Count(read.size(), ids.size(), dup, order, noHeaders);
    }

    @Test
    void deliversEachCameraInOrderKeyedByCameraWithIdAndSchemaHeaders() throws Exception {
        broker = KafkaBroker.plain(dir.resolve("broker"), 4).start();
        start(options(broker.bootstrap(), Map.of()));
        append(8, 50, 0);
        await("the outbox drained", Duration.ofSeconds(90), () -> waiting() == 0);
        Count c = count();
        assertThat(c).isEqualTo(new Count(400, 400, 0, 0, 0));
        assertThat(transport.acknowledged()).isEqualTo(400);
        assertThat(sink.stats().acknowledged()).isEqualTo(400);
        assertThat(transport.state()).isEqualTo(KafkaTransport.State.CONNECTED);
    }

    @Test
    void aRecordTheProducerGaveUpOnStaysInTheOutboxAndIsSentAgain() throws Exception {
        broker = KafkaBroker.plain(dir.resolve("broker"), 2).start();
        start(options(broker.bootstrap(), Map.of("delivery.timeout.ms", "3000", "request.timeout.ms", "1000",
                "max.block.ms", "2000", "reconnect.backoff.max.ms", "500")));
        append(4, 5, 0);
        await("the first records delivered", Duration.ofSeconds(60), () -> waiting() == 0);
        broker.stop();
        append(4, 20, 5);
        // longer than the delivery timeout, so the producer gives up on what it holds
        await("the producer gave up on records", Duration.ofSeconds(60), () -> transport.failed() >= 4);
        Thread.sleep(4000);
        assertThat(waiting()).isEqualTo(80);
        broker.start();
        await("the outbox drained after the restart", Duration.ofSeconds(120), () -> waiting() == 0);
        Count c = count();
        assertThat(c.unique()).isEqualTo(100);
        assertThat(c.orderViolations()).isZero();
        assertThat(c.withoutHeaders()).isZero();
    }

    @Test
    void aRetryOfARecordStillInTheProducerWaitsForItInsteadOfSendingACopy() throws Exception {
        broker = KafkaBroker.plain(dir.resolve("broker"), 2).start();
        outbox = Outbox.open(dir.resolve("storage"), 100_000, Clock.systemUTC());
        KafkaOptions options = new KafkaOptions(broker().withTimeout(Duration.ofSeconds(1)), broker.bootstrap(), TOPIC, null,
                null, Map.of(), "edgewatch-test");
        transport = new KafkaTransport(options);
        sink = BrokerSink.start(outbox, options.broker(), transport, Map.of());
        append(4, 2, 0);
        await("the first records delivered", Duration.ofSeconds(60), () -> waiting() == 0);
        // a slow broker: connections open, nothing answered; the sink's 1 s timeout passes again and again
        broker.pause();
        append(4, 5, 2);
        Thread.sleep(8000);
        broker.resume();
        await("the outbox drained", Duration.ofSeconds(120), () -> waiting() == 0);
        Count c = count();
        assertThat(c.unique()).isEqualTo(28);
        assertThat(c.duplicates()).isZero();
        assertThat(c.orderViolations()).isZero();
        assertThat(transport.joined()).isPositive();
    }

    @Test
    void credentialsRefusedStopTheDestinationAndAPasswordFixedOnTheBrokerDelivers() throws Exception {
        broker = KafkaBroker.sasl(dir.resolve("broker"), 2, "edgewatch", "an-old-password").start();
        KafkaOptions.Security security = new KafkaOptions.Security("SASL_PLAINTEXT", KafkaBroker.SCRAM, "edgewatch",
                Secret.of("the-new-password"));
        start(new KafkaOptions(broker(), broker.saslBootstrap(), TOPIC, null, security, Map.of("max.block.ms", "3000"),
                "edgewatch-test"));
        append(2, 3, 0);
        await("the destination stopped", Duration.ofSeconds(60), () -> sink.stopped());
        assertThat(sink.stopReason()).contains("refused the credentials of edgewatch").doesNotContain("the-new-password");
        assertThat(waiting()).isEqualTo(6);
        assertThat(transport.state()).isEqualTo(KafkaTransport.State.REFUSED);
        broker.setScramPassword("edgewatch", "the-new-password");
        await("delivered once the password was fixed", Duration.ofSeconds(60), () -> waiting() == 0);
        assertThat(sink.stopped()).isFalse();
        assertThat(count().unique()).isEqualTo(6);
        assertThat(transport.producersMade()).isGreaterThan(1);
    }

    @Test
    void aWriteTheAclsDoNotAllowStopsTheDestinationAndAnAclAddedOnTheBrokerDelivers() throws Exception {
        broker = KafkaBroker.saslWithAcls(dir.resolve("broker"), 2, "edgewatch", "pw-acl-1").start();
        broker.createTopic(TOPIC, 2);
        KafkaOptions.Security security = new KafkaOptions.Security("SASL_PLAINTEXT", KafkaBroker.SCRAM, "edgewatch",
                Secret.of("pw-acl-1"));
        start(new KafkaOptions(broker(), broker.saslBootstrap(), TOPIC, null, security, Map.of("max.block.ms", "3000"),
                "edgewatch-test"));
        append(2, 3, 0);
        await("the destination stopped", Duration.ofSeconds(60), () -> sink.stopped());
        assertThat(sink.stopReason()).contains("does not allow").contains("check the broker's ACLs");
        assertThat(transport.state()).isEqualTo(KafkaTransport.State.REFUSED);
        broker.allowWrite("edgewatch", TOPIC);
        await("delivered once the ACL was added", Duration.ofSeconds(60), () -> waiting() == 0);
        Count c = count();
        assertThat(c.unique()).isEqualTo(6);
        assertThat(c.orderViolations()).isZero();
    }

    @Test
    void anUnknownTopicWithAutoCreateOffStopsTheDestinationUntilItIsMade() throws Exception {
        broker = KafkaBroker.noAutoCreate(dir.resolve("broker"), 2).start();
        start(options(broker.bootstrap(), Map.of("max.block.ms", "2000")));
        append(2, 3, 0);
        await("the destination stopped", Duration.ofSeconds(60), () -> sink.stopped());
        assertThat(sink.stopReason()).contains("has no topic " + TOPIC);
        broker.createTopic(TOPIC, 2);
        await("delivered once the topic was made", Duration.ofSeconds(60), () -> waiting() == 0);
        Count c = count();
        assertThat(c.unique()).isEqualTo(6);
        assertThat(c.orderViolations()).isZero();
    }
}
