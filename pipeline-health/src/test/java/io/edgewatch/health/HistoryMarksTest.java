package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.testing.MovingClock;
import io.edgewatch.core.source.SourceStatus;

/**
 * Issue 31, "the page shows only what it knows": a camera's source state changes, the daemon's
 * starts and stops and its clock steps are kept in the health store, so that the history served
 * after a restart still has the state strip from before it, the restart and the stop that left
 * the gap, and the step (before, the strip began empty at every start and nothing marked either).
 */
class HistoryMarksTest {

    private static final Instant T0 = Instant.parse("2026-12-02T12:00:00Z");

    @TempDir
    Path dir;


    private static SourceProbe probe(AtomicReference<SourceStatus.State> state) {
        return SourceProbe.of(true, () -> new SourceStatus(state.get(), T0, 0, null));
    }

    /** The camera's history from {@code from} once {@code ready} holds of it (the states are sampled each second). */
    private static ObjectNode historyWhen(Health health, Instant from, Instant to, Predicate<ObjectNode> ready) throws Exception {
        ObjectNode h = null;
        for (long end = System.nanoTime() + Duration.ofSeconds(30).toNanos(); System.nanoTime() < end; Thread.sleep(100)) {
            h = health.history("cam-1", from, to, 1).orElseThrow();
            if (ready.test(h)) {
                return h;
            }
        }
        return h;
    }

    private static List<String> states(ObjectNode h) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : h.get("states")) {
            out.add(s.get("state").asText() + "@" + (s.get("t").asLong() - T0.getEpochSecond()));
        }
        return out;
    }

    private static List<String> marks(ObjectNode h) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : h.path("marks")) {
            out.add(m.get("kind").asText() + "@" + (m.get("t").asLong() - T0.getEpochSecond()));
        }
        return out;
    }

    @Test
    void theStateStripTheStopAndTheRestartOutliveTheProcess() throws Exception {
        MovingClock clock = new MovingClock(T0);
        AtomicReference<SourceStatus.State> state = new AtomicReference<>(SourceStatus.State.CONNECTING);
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(400))) {
            try (Health first = new Health(clock, store)) {
                first.camera("cam-1", "m/1", Duration.ofSeconds(1), probe(state), null);
                historyWhen(first, T0.minusSeconds(60), T0.plusSeconds(1), h -> states(h).contains("connecting@0"));
                clock.set(T0.plusSeconds(10));
                state.set(SourceStatus.State.STREAMING);
                historyWhen(first, T0.minusSeconds(60), T0.plusSeconds(11), h -> states(h).contains("streaming@10"));
                clock.set(T0.plusSeconds(20));
            } // the stop, at +20 s
            store.flush();
        }
        clock.set(T0.plusSeconds(120)); // 100 s with no daemon
        try (HealthStore store = HealthStore.open(dir, Duration.ofDays(400)); Health again = new Health(clock, store)) {
            again.camera("cam-1", "m/1", Duration.ofSeconds(1), probe(state), null);
            ObjectNode h = historyWhen(again, T0.minusSeconds(60), T0.plusSeconds(130),
                    x -> states(x).contains("streaming@120"));
            assertThat(states(h)).as("the strip from before the restart").containsExactly("connecting@0", "streaming@10", "streaming@120");
            assertThat(marks(h)).as("the starts and the stop on the time axis").containsExactly("start@0", "stop@20", "start@120");
            assertThat(h.get("marks").get(1).get("text").asText()).isEqualTo("edgewatch stopped");

            // a range that opens in the middle of a state starts with that state
            ObjectNode later = again.history("cam-1", T0.plusSeconds(15), T0.plusSeconds(130), 1).orElseThrow();
            assertThat(states(later)).containsExactly("streaming@10", "streaming@120");
            assertThat(marks(later)).containsExactly("stop@20", "start@120");

            // a clock step is a mark too
            AtomicLong mono = new AtomicLong();
            ClockWatch watch = ClockWatch.of(mono::get, clock);
            again.clock(watch);
            clock.set(T0.plusSeconds(125 + 3600));
            watch.check();
            store.flush();
            ObjectNode stepped = again.history("cam-1", T0.minusSeconds(60), T0.plusSeconds(3800), 60).orElseThrow();
            assertThat(marks(stepped)).contains("clock_step@" + (125 + 3600));
            assertThat(stepped.get("marks").get(marks(stepped).indexOf("clock_step@" + (125 + 3600))).get("text").asText())
                    .isEqualTo("the wall clock stepped +3605.000 s");
        }
    }
}
