package io.edgewatch.sink.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.sink.outbox.Outbox;
import reactor.core.publisher.Mono;

/**
 * The sink's use of the outbox, with a broker played in this process (a {@link BrokerClient} that
 * answers as each test says); the real clients meet real brokers in their own tests.
 */
class BrokerSinkTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Outbox outbox;
    BrokerSink sink;
    PlayedBroker broker;

    /** Records what it is asked to publish, and answers as {@link #answer} says. */
    static final class PlayedBroker implements BrokerClient {
        final List<BrokerMessage> published = new CopyOnWriteArrayList<>();
        volatile Function<BrokerMessage, Mono<Void>> answer = m -> Mono.empty();
        volatile State state = State.CONNECTING;
        volatile Set<String> cameras = Set.of();
        volatile boolean closed;

        @Override
        public Mono<Void> connect() {
            state = State.CONNECTED;
            return Mono.empty();
        }

        @Override
        public Mono<Void> publish(BrokerMessage message) {
            published.add(message);
            return answer.apply(message);
        }

        @Override
        public State state() {
            return state;
        }

        @Override
        public void cameras(Set<String> ids) {
            cameras = ids;
        }

        @Override
        public String describe() {
            return "played broker";
        }

        @Override
        public void close(Duration grace) {
            closed = true;
            state = State.CLOSED;
        }
    }

    @BeforeEach
    void open() {
        outbox = Outbox.open(dir, 10_000, Clock.systemUTC());
        broker = new PlayedBroker();
    }

    @AfterEach
    void close() {
        if (sink != null) {
            sink.close(Duration.ofSeconds(1));
        }
        outbox.close();
    }

    private BrokerSink start(BrokerOptions options) {
        sink = BrokerSink.start(outbox, options, broker, Map.of("cam-1", Map.of("line", "2")));
        return sink;
    }

    private static BrokerOptions fast() {
        return BrokerOptions.of("mqtt", "edge-01").withRetry(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(200))
                .withTimeout(Duration.ofMillis(500));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(10);
        }
    }

    private static JsonNode json(BrokerMessage m) {
        try {
            return JSON.readTree(m.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aWindowAndAnAlertMadeWhileTheWallClockIsKnownWrongAreHeldThenMovedByTheStepThatCorrectsIt() throws Exception {
        // review after the merge: the broker destination registered no re-stamper, so what it held went out as stamped
        outbox.close();
        io.edgewatch.core.aggregate.WindowReport w = BrokerJsonTest.window("cam-1", 0);
        io.edgewatch.core.testing.MovingClock clock = new io.edgewatch.core.testing.MovingClock(w.windowEnd());
        outbox = Outbox.open(dir.resolve("held"), 10_000, clock);
        outbox.holdWhileClockWrong(new io.edgewatch.core.clock.ClockFloor(w.windowStart().plus(Duration.ofDays(365))),
                Duration.ofHours(24));
        start(fast());
        java.time.Instant alertAt = clock.instant();
        sink.write(w).block(Duration.ofSeconds(5));
        sink.alert("cam-1", "throughput_drop", true, alertAt, 10, 1, "fps fell");
        assertThat(outbox.held()).as("held, not sendable, while the clock is known wrong").isEqualTo(2);
        Duration step = Duration.ofDays(400);
        clock.advance(step);
        outbox.clockStepped(step);
        await(() -> broker.published.size() == 2);
        JsonNode window = json(broker.published.get(0));
        assertThat(window.get("window_start").asText()).isEqualTo(w.windowStart().plus(step).toString());
        assertThat(window.get("window_end").asText()).isEqualTo(w.windowEnd().plus(step).toString());
        assertThat(json(broker.published.get(1)).get("at").asText()).isEqualTo(alertAt.plus(step).toString());
        assertThat(window.has("clock_suspect")).isFalse();
    }

    @Test
    void everyCamerasWindowsArePublishedInOrderAndLeaveTheOutboxOnceAcknowledged() throws Exception {
        start(fast());
        for (int i = 0; i < 20; i++) {
            for (String cam : List.of("cam-1", "cam-2", "cam-3")) {
                sink.write(BrokerJsonTest.window(cam, i)).block(Duration.ofSeconds(5));
            }
        }
        await(() -> outbox.stats().depth() == 0);
        assertThat(broker.published).hasSize(60);
        Map<String, List<String>> ends = new LinkedHashMap<>();
        for (BrokerMessage m : broker.published) {
            assertThat(m.kind()).isEqualTo("window");
            JsonNode n = json(m);
            assertThat(n.get("camera_id").asText()).isEqualTo(m.cameraId());
            assertThat(n.get("message_id").asText()).isEqualTo(m.messageId());
            ends.computeIfAbsent(m.cameraId(), k -> new ArrayList<>()).add(n.get("window_end").asText());
        }
        ends.values().forEach(e -> assertThat(e).hasSize(20).isSorted());
        assertThat(json(broker.published.get(0)).path("metadata").path("line").asText()).isEqualTo("2");
        DestinationStats s = sink.stats();
        assertThat(s.sent()).isEqualTo(60);
        assertThat(s.acknowledged()).isEqualTo(60);
        assertThat(s.retried()).isZero();
        assertThat(s.connected()).isTrue();
    }

    @Test
    void anUnacknowledgedPublishKeepsItsEntryAndItsRetryCarriesTheSameMessageId() throws Exception {
        // the first attempt is never acknowledged (timed out), the second refused as the connection drops, the third taken
        int[] calls = {0};
        broker.answer = m -> ++calls[0] == 1 ? Mono.never()
                : calls[0] == 2 ? Mono.error(BrokerFailures.retry("connection lost")) : Mono.empty();
        start(fast());
        sink.write(BrokerJsonTest.window("cam-1", 0)).block(Duration.ofSeconds(5));
        sink.write(BrokerJsonTest.window("cam-1", 1)).block(Duration.ofSeconds(5));
        await(() -> outbox.stats().depth() == 0);
        List<String> ids = broker.published.stream().map(BrokerMessage::messageId).toList();
        assertThat(ids).hasSize(4);
        assertThat(ids.get(0)).isEqualTo(ids.get(1)).isEqualTo(ids.get(2));
        assertThat(ids.get(3)).isNotEqualTo(ids.get(0));
        assertThat(sink.stats().retried()).isEqualTo(2);
        assertThat(sink.stats().acknowledged()).isEqualTo(2);
    }

    @Test
    void aRefusalStopsTheDestinationKeepsTheEntriesProbesAndResumesWhenFixed() throws Exception {
        broker.answer = m -> Mono.error(BrokerFailures.stop("mqtt: not authorized (check mqtt.username and mqtt.password)"));
        start(fast());
        for (int i = 0; i < 5; i++) {
            sink.write(BrokerJsonTest.window("cam-1", i)).block(Duration.ofSeconds(5));
        }
        await(sink::stopped);
        assertThat(sink.stopReason()).contains("not authorized");
        Thread.sleep(700);
        // probed with the oldest, alone: a few attempts, nothing lost
        assertThat(outbox.stats().depth()).isEqualTo(5);
        assertThat(broker.published).allSatisfy(m -> assertThat(m.messageId()).isEqualTo(broker.published.get(0).messageId()));
        assertThat(broker.published.size()).isBetween(2, 8);
        broker.answer = m -> Mono.empty();
        await(() -> outbox.stats().depth() == 0);
        assertThat(sink.stopped()).isFalse();
        List<String> delivered = broker.published.stream().map(BrokerMessage::messageId).distinct().toList();
        assertThat(delivered).hasSize(5).isSorted();
    }

    @Test
    void aMessageTheBrokerWillNeverTakeIsSetAsideAndTheNextGoesOn() throws Exception {
        broker.answer = m -> json(m).get("window_end").asText().endsWith(":05Z")
                ? Mono.error(BrokerFailures.deadLetter("mqtt: payload too large")) : Mono.empty();
        start(fast());
        sink.write(BrokerJsonTest.window("cam-1", 0)).block(Duration.ofSeconds(5));
        sink.write(BrokerJsonTest.window("cam-1", 1)).block(Duration.ofSeconds(5));
        await(() -> outbox.stats().depth() == 0);
        assertThat(outbox.deadLetters()).isEqualTo(1);
        assertThat(outbox.deadLetterList(5).get(0).reason()).contains("payload too large");
    }

    @Test
    void alertsGoInTheirCamerasLineAndTheDaemonsInItsOwnAndNotAtAllWhenOff() throws Exception {
        start(fast());
        sink.write(BrokerJsonTest.window("cam-1", 0)).block(Duration.ofSeconds(5));
        sink.alert("cam-1", "source_down", true, Instant.parse("2026-12-07T12:00:06Z"), 1, 0, "source down");
        sink.alert(null, "storage_full:outbox", true, Instant.parse("2026-12-07T12:00:07Z"), Double.NaN, Double.NaN, "disk full");
        await(() -> broker.published.size() == 3);
        assertThat(broker.published).extracting(BrokerMessage::cameraId).containsExactlyInAnyOrder("cam-1", "cam-1", "daemon");
        List<BrokerMessage> cam1 = broker.published.stream().filter(m -> m.cameraId().equals("cam-1")).toList();
        assertThat(cam1).extracting(BrokerMessage::kind).containsExactly("window", "alert");
        assertThat(json(cam1.get(1)).get("signal").asText()).isEqualTo("source_down");
        sink.close(Duration.ofSeconds(1));
        assertThat(broker.closed).isTrue();

        broker = new PlayedBroker();
        start(fast().withContent(true, false));
        sink.alert("cam-1", "source_down", false, Instant.parse("2026-12-07T12:00:08Z"), 1, 1, "cleared");
        sink.cameras(Set.of("cam-1"));
        assertThat(outbox.stats().depth()).isZero();
        assertThat(broker.cameras).containsExactly("cam-1");
    }

    @Test
    void aBodyWithoutMessageIdIsADeadLetterNotARetryForEver() throws Exception {
        outbox.append("mqtt", "cam-1", "window", "{\"kind\":\"window\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        start(fast());
        sink.write(BrokerJsonTest.window("cam-1", 1)).block(Duration.ofSeconds(5));
        await(() -> outbox.stats().depth() == 0);
        assertThat(outbox.deadLetters()).isEqualTo(1);
        assertThat(broker.published).hasSize(1);
    }
}
