package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The sender's retry, backoff and stop rules on virtual time: its worker is a {@link VirtualTimeScheduler}, so each
 * test says how long passed, and what was sent when, without waiting for it.
 */
class OutboxSenderTest {

    private static final String DEST = "rf";

    @TempDir
    Path dir;
    Outbox outbox;
    VirtualTimeScheduler time;
    OutboxSender sender;
    /** What was sent, as "virtual ms: body". */
    final List<String> sent = new CopyOnWriteArrayList<>();
    /** Each body's attempts so far. */
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    @BeforeEach
    void open() {
        outbox = Outbox.open(dir, 1000, Clock.systemUTC());
        time = VirtualTimeScheduler.create();
    }

    @AfterEach
    void close() {
        if (sender != null) {
            sender.close(Duration.ZERO);
        }
        outbox.close();
        time.dispose();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A sender whose transport answers each body as {@code answer} says for its attempt (1 for the first). */
    private OutboxSender start(Duration retryMin, Duration retryMax, Duration probe, int maxInFlight,
                               Function<String, Function<Integer, Mono<Void>>> answer) {
        OutboxSender.Transport transport = (kind, body) -> Mono.defer(() -> {
            String what = new String(body, StandardCharsets.UTF_8);
            sent.add(time.now(TimeUnit.MILLISECONDS) + ": " + what);
            int attempt = attempts.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
            return answer.apply(what).apply(attempt);
        });
        sender = new OutboxSender(outbox, DEST, transport, retryMin, retryMax, probe, false, maxInFlight, time).start();
        return sender;
    }

    private static Mono<Void> fail(int status, long retryAfterMillis) {
        return Mono.error(new DeliveryException("HTTP " + status, status, status >= 500 || status == 429, retryAfterMillis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e12", "Infinity", "Fri, 31 Dec 9999 23:59:59 GMT"})
    void aRetryAfterBeyondTheRetryMaximumWaitsOnlyTheMaximum(String retryAfter) {
        // Retry-After was taken as it came: "1e12" is 31,000 years, and nothing hurries a backing-off sender
        outbox.append(DEST, "cam", "report", b("x"));
        start(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(10), 4,
                body -> attempt -> attempt == 1 ? fail(429, DeliveryException.retryAfterMillis(retryAfter)) : Mono.empty());
        assertThat(sent).hasSize(1);
        time.advanceTimeBy(Duration.ofSeconds(11));
        assertThat(sent).as("tried again within retry_max").hasSize(2);
        assertThat(outbox.stats().depth()).isZero();
    }

    @Test
    void anotherCamerasFailureDoesNotShortenAPendingRetryAfter() {
        // camera A's 429 asked for 30 s; camera B's 503 right after replaced that wait by its own backoff of 1-2 s
        outbox.append(DEST, "cam-a", "report", b("a"));
        outbox.append(DEST, "cam-b", "report", b("b"));
        start(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(60), 4,
                body -> attempt -> attempt > 1 ? Mono.empty() : body.equals("a") ? fail(429, 30_000) : fail(503, 0));
        assertThat(sent).containsExactly("0: a", "0: b");
        time.advanceTimeBy(Duration.ofMillis(29_900));
        assertThat(sent).as("no request before the Retry-After").containsExactly("0: a", "0: b");
        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(sent).hasSize(4).endsWith("30000: b").contains("30000: a");
        assertThat(outbox.stats().depth()).isZero();
    }

    @Test
    void theSuccessOfARequestSentBeforeARefusalDoesNotEndTheStop() {
        // with several requests in flight, any success (of one sent before the refusal) cleared the stop and the failure
        // count: delivery_stopped flapped and the backoff never grew
        outbox.append(DEST, "cam-a", "report", b("a"));
        outbox.append(DEST, "cam-b", "report", b("b"));
        start(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(60), 4, body -> attempt -> body.equals("a")
                ? attempt == 1 ? fail(401, 0) : Mono.empty()
                : Mono.delay(Duration.ofMillis(200), time).then());
        assertThat(sender.isStopped()).isTrue();
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(sent).containsExactly("0: a", "0: b");
        assertThat(outbox.oldest(DEST, 10)).extracting(OutboxEntry::cameraId).as("b delivered").containsExactly("cam-a");
        assertThat(sender.isStopped()).as("b was in flight before the 401: it says nothing of the key").isTrue();
        time.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(sent).containsExactly("0: a", "0: b", "60000: a");
        assertThat(sender.isStopped()).as("the probe went through").isFalse();
    }

    @Test
    void anEntryThatCannotBeSetAsideStaysItsCamerasNextInsteadOfBeingOvertaken() throws Exception {
        // the entry left the queue before its move to the dead letters; when that move failed (a full disk), the camera's
        // next entry went first
        outbox.append(DEST, "cam", "report", b("refused"));
        outbox.append(DEST, "cam", "report", b("next"));
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db"));
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TRIGGER no_dead_letters BEFORE INSERT ON dead_letter BEGIN SELECT RAISE(ABORT, 'disk full'); END");
            start(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5), 4,
                    body -> attempt -> body.equals("refused") ? fail(400, 0) : Mono.empty());
            time.advanceTimeBy(Duration.ofSeconds(12));
            assertThat(sent).as("only the head, tried again").isNotEmpty().allSatisfy(x -> assertThat(x).endsWith(": refused"));
            s.execute("DROP TRIGGER no_dead_letters");
        }
        time.advanceTimeBy(Duration.ofSeconds(6));
        assertThat(sent).last().asString().endsWith(": next");
        assertThat(outbox.deadLetters()).isEqualTo(1);
        assertThat(outbox.stats().depth()).isZero();
    }

    @Test
    void aBacklogOfLargeBodiesIsReadAFewMegabytesAtATimeAndStillDeliveredInOrder() {
        // a page was 128 entries whatever their size (and up to 63 left of the last): about 95 MB of samples per sender
        byte[] mb = new byte[1024 * 1024];
        for (int i = 0; i < 20; i++) {
            byte[] body = mb.clone();
            body[0] = (byte) i;
            outbox.append(DEST, "cam", "sample", body);
        }
        List<Integer> order = new CopyOnWriteArrayList<>();
        OutboxSender.Transport transport = (kind, body) -> Mono.fromRunnable(() -> order.add((int) body[0]));
        sender = new OutboxSender(outbox, DEST, transport, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5),
                false, 1, time).start();
        time.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(order).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
        assertThat(outbox.stats().depth()).isZero();
        assertThat(sender.mostQueuedBytes()).as("held at once").isLessThanOrEqualTo(OutboxSender.PAGE_BYTES + mb.length);
        assertThat(outbox.after(DEST, 0, 128, 3L * mb.length)).as("nothing left").isEmpty();
    }

    @Test
    void deadLettersPutBackAreTakenUpWithinASecondWhileTheSenderWorksThroughABacklog() {
        // review-outbox 13: a sender read entries put back below what it had read only once idle, so behind a backlog
        // the dead letters retried by edgewatch outbox waited for all of it, though the command says "within a second"
        outbox.deadLetter(outbox.append(DEST, "cam-b", "report", b("dead")), 400, "refused");
        for (int i = 0; i < 300; i++) {
            outbox.append(DEST, "cam-a", "report", b("backlog-" + i));
        }
        OutboxSender.Transport slow = (kind, body) -> Mono.defer(() -> {
            sent.add(time.now(TimeUnit.MILLISECONDS) + ": " + new String(body, StandardCharsets.UTF_8));
            return Mono.delay(Duration.ofMillis(100), time).then();
        });
        sender = new OutboxSender(outbox, DEST, slow, Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5), false, 1,
                time).start();
        time.advanceTimeBy(Duration.ofSeconds(3));
        assertThat(sent).hasSizeBetween(25, 35).noneMatch(x -> x.endsWith("dead"));
        // the command, another process: its own connection on the file
        try (Outbox command = Outbox.openBeside(dir, 1000, Clock.systemUTC())) {
            assertThat(command.retryDeadLetters()).isEqualTo(1);
        }
        long retriedAt = time.now(TimeUnit.MILLISECONDS);
        time.advanceTimeBy(Duration.ofMillis(1500));
        assertThat(sent).as("sent within about a second, the backlog still under way").anySatisfy(x -> {
            assertThat(x).endsWith(": dead");
            assertThat(Long.parseLong(x.substring(0, x.indexOf(':'))) - retriedAt).isLessThanOrEqualTo(1200);
        });
        assertThat(outbox.stats().depth()).isGreaterThan(200);
        time.advanceTimeBy(Duration.ofSeconds(40));
        assertThat(sent).filteredOn(x -> x.endsWith(": dead")).hasSize(1);
        assertThat(outbox.stats().depth()).isZero();
        assertThat(outbox.deadLetters()).isZero();
    }
}
