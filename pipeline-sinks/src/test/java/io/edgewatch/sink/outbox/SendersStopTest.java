package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import reactor.core.publisher.Mono;

/**
 * Review-outbox 15: at the stop the senders drain at once, under one deadline, instead of one after another (each
 * for its whole grace: the sum of the graces). Measured as a ratio against the serial stop of the same senders in
 * the same test, never as an absolute time.
 */
class SendersStopTest {

    private static final Duration HELD = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    Outbox outbox;
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void open() {
        outbox = Outbox.open(dir, 1000, Clock.systemUTC());
        logs.start();
        ((Logger) LoggerFactory.getLogger(OutboxSender.class)).addAppender(logs);
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger(OutboxSender.class)).detachAppender(logs);
        outbox.close();
    }

    /**
     * Three senders, each with a backlog of {@code entries} whose requests are answered {@code answer} after they are
     * sent, one at a time; once all three have one in flight.
     */
    private List<OutboxSender> threeSenders(String round, int entries, Duration answer) throws Exception {
        CountDownLatch sent = new CountDownLatch(3);
        List<OutboxSender> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String destination = round + "-" + i;
            List<Outbox.NewEntry> backlog = new ArrayList<>();
            for (int k = 0; k < entries; k++) {
                backlog.add(new Outbox.NewEntry(destination, "cam", "report", new byte[] {(byte) k}));
            }
            outbox.appendAll(backlog);
            OutboxSender.Transport held = (kind, body) -> Mono.delay(answer).doOnSubscribe(s -> sent.countDown()).then();
            senders.add(new OutboxSender(outbox, destination, held, Duration.ofSeconds(1), Duration.ofSeconds(5),
                    Duration.ofSeconds(5), false, 1).start());
        }
        assertThat(sent.await(20, TimeUnit.SECONDS)).as("all three in flight").isTrue();
        return senders;
    }

    @Test
    void theSendersDrainAtOnceUnderOneDeadlineInsteadOfOneAfterAnother() throws Exception {
        // a backlog each (200 entries answered 100 ms after they are sent: 20 s), drained while it answers 2xx and the
        // grace lasts: one after another, each given the whole grace, as the daemon stopped them, the stop took three
        Duration grace = HELD;
        List<OutboxSender> serial = threeSenders("serial", 200, Duration.ofMillis(100));
        long t0 = System.nanoTime();
        for (OutboxSender s : serial) {
            s.close(grace);
        }
        long serialNanos = System.nanoTime() - t0;

        List<OutboxSender> together = threeSenders("together", 200, Duration.ofMillis(100));
        ConcurrentHashMap<Integer, Long> ownNanos = new ConcurrentHashMap<>();
        ConcurrentHashMap<Integer, Long> deadlines = new ConcurrentHashMap<>();
        List<SendersStop.Stop> stops = new ArrayList<>();
        for (int i = 0; i < together.size(); i++) {
            int n = i;
            OutboxSender s = together.get(i);
            stops.add(left -> {
                long start = System.nanoTime();
                deadlines.put(n, start + left.toNanos());
                s.close(left);
                ownNanos.put(n, System.nanoTime() - start);
            });
        }
        long t1 = System.nanoTime();
        SendersStop.together(grace, stops);
        long togetherNanos = System.nanoTime() - t1;

        long sum = ownNanos.values().stream().mapToLong(Long::longValue).sum();
        assertThat(ownNanos).as("each drained for the grace").hasSize(3)
                .allSatisfy((n, took) -> assertThat(took).isGreaterThanOrEqualTo(grace.toNanos() * 3 / 4));
        assertThat(togetherNanos).as("the stop (%d ms) against the sum of its senders' stops (%d ms)",
                togetherNanos / 1_000_000, sum / 1_000_000).isLessThan(sum * 2 / 3);
        assertThat(togetherNanos).as("together (%d ms) against one after another (%d ms)", togetherNanos / 1_000_000,
                serialNanos / 1_000_000).isLessThan(serialNanos * 2 / 3);
        long first = deadlines.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        assertThat(deadlines.values()).as("one deadline for all").allSatisfy(d -> assertThat(d - first).isLessThan(500_000_000L));
        for (int i = 0; i < 3; i++) {
            assertThat(outbox.oldest("together-" + i, 1000)).as("some delivered during the stop, the rest kept").hasSizeBetween(1, 199);
        }
    }

    @Test
    void aStopWithNoGraceAndNothingInFlightSaysNothingIsUnanswered() {
        // grace 0 timed out the wait at once, and logged "a delivery was still unanswered 0 ms into the stop" with none
        outbox.append("idle", "cam", "report", new byte[] {1});
        OutboxSender s = new OutboxSender(outbox, "idle", (kind, body) -> Mono.empty(), Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofSeconds(5), false).start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!outbox.oldest("idle", 1).isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        s.close(Duration.ZERO);
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains("unanswered"));
    }

    @Test
    void aStopWithNoGraceNamesTheDeliveriesStillInFlight() throws Exception {
        List<OutboxSender> senders = threeSenders("held", 1, HELD);
        senders.get(0).close(Duration.ZERO);
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("held-0").contains("1 deliver").contains("unanswered"));
        senders.get(1).close(Duration.ZERO);
        senders.get(2).close(Duration.ZERO);
    }
}
