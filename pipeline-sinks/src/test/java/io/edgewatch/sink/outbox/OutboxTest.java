package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.testing.MovingClock;

class OutboxTest {

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void entriesAndCountersSurviveAReopenAndComeOutOldestFirst() {
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            o.append("rf", "a", "report", b("1"));
            o.append("rf", "b", "report", b("2"));
            o.append("other", "a", "report", b("x"));
            o.append("rf", "a", "metadata", b("3"));
            o.delete(o.oldest("rf", 1).get(0).id());
        }
        try (Outbox o = Outbox.open(dir, 100, Clock.systemUTC())) {
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("2", "3");
            assertThat(o.oldest("rf", 10)).extracting(OutboxEntry::kind).containsExactly("report", "metadata");
            OutboxStats s = o.stats();
            assertThat(s.depth()).isEqualTo(3);
            assertThat(s.accepted()).isEqualTo(4);
            assertThat(s.delivered()).isEqualTo(1);
        }
    }

    @Test
    void aFullOutboxEvictsTheOldestAndCountsThem() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
        try (Outbox o = Outbox.open(dir, 3, clock)) {
            for (int i = 0; i < 5; i++) {
                o.append("rf", "a", "report", b(Integer.toString(i)));
            }
            assertThat(o.oldest("rf", 10)).extracting(e -> new String(e.body(), StandardCharsets.UTF_8)).containsExactly("2", "3", "4");
            assertThat(o.stats().evicted()).isEqualTo(2);
            assertThat(o.stats().depth()).isEqualTo(3);
            o.failedAttempt(o.oldest("rf", 1).get(0).id());
            assertThat(o.oldest("rf", 1).get(0).attempts()).isEqualTo(1);
            assertThat(o.stats().retries()).isEqualTo(1);
        }
    }

    @Test
    void oldestAgeIsMeasuredFromTheClock() {
        MovingClock clock = new MovingClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (Outbox o = Outbox.open(dir, 10, clock)) {
            assertThat(o.stats().oldestAgeMillis()).isZero();
            o.append("rf", "a", "report", b("1"));
            clock.advance(Duration.ofSeconds(42));
            assertThat(o.stats().oldestAgeMillis()).isEqualTo(42_000);
        }
    }
}
