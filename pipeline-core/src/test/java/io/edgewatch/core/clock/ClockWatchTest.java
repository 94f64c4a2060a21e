package io.edgewatch.core.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.testing.MovingClock;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

class ClockWatchTest {

    @Test
    void aStepIsTheWallClocksOffsetMovingMoreThanASecondAndIsHandedToEveryListenerOnce() {
        AtomicLong mono = new AtomicLong(5_000_000_000L);
        MovingClock wall = new MovingClock(Instant.parse("2026-12-07T12:00:00Z"));
        ClockWatch watch = ClockWatch.of(mono::get, wall);
        List<ClockStep> a = new ArrayList<>();
        List<ClockStep> b = new ArrayList<>();
        watch.onStep(a::add);
        Disposable second = watch.onStep(b::add);

        // both clocks move alike: no step; nor a move of 0.9 s
        mono.addAndGet(2_000_000_000L);
        wall.advance(Duration.ofSeconds(2));
        watch.check();
        wall.advance(Duration.ofMillis(900));
        ClockWatch.Reading slewed = watch.check();
        assertThat(watch.steps()).isZero();
        assertThat(slewed.label()).isEqualTo(Instant.parse("2026-12-07T12:00:02.900Z"));

        // back a day: one step, whoever checks next, however often
        wall.advance(Duration.ofDays(-1));
        ClockWatch.Reading stepped = watch.check();
        watch.check();
        watch.check();
        assertThat(stepped.steps()).isEqualTo(1);
        assertThat(stepped.steppedNanos()).isEqualTo(Duration.ofDays(-1).toNanos());
        assertThat(a).extracting(ClockStep::size, ClockStep::before, ClockStep::after, ClockStep::count)
                .containsExactly(tuple(Duration.ofDays(-1), Instant.parse("2026-12-07T12:00:02.900Z"),
                        Instant.parse("2026-12-06T12:00:02.900Z"), 1L));
        assertThat(b).hasSize(1);

        second.dispose();
        wall.advance(Duration.ofHours(2));
        watch.check();
        assertThat(a).extracting(ClockStep::seconds).containsExactly(-86_400.0, 7_200.0);
        assertThat(b).hasSize(1);
        assertThat(watch.steps()).isEqualTo(2);
    }

    @Test
    void aListenerThatThrowsDoesNotKeepTheStepFromTheOthers() {
        AtomicLong mono = new AtomicLong();
        MovingClock wall = new MovingClock(Instant.EPOCH);
        ClockWatch watch = ClockWatch.of(mono::get, wall);
        List<ClockStep> heard = new ArrayList<>();
        watch.onStep(s -> {
            throw new IllegalStateException("broken listener");
        });
        watch.onStep(heard::add);
        wall.advance(Duration.ofHours(1));
        watch.check();
        assertThat(heard).hasSize(1);
    }

    @Test
    void checkEveryFindsAStepWithinItsPeriodUntilDisposed() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        MovingClock wall = new MovingClock(Instant.EPOCH);
        ClockWatch watch = ClockWatch.of(() -> vts.now(TimeUnit.NANOSECONDS), wall);
        Disposable checking = watch.checkEvery(Duration.ofSeconds(1), vts);
        wall.advance(Duration.ofMinutes(10));
        vts.advanceTimeBy(Duration.ofMillis(999));
        assertThat(watch.steps()).isZero();
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(watch.steps()).isEqualTo(1);
        checking.dispose();
        wall.advance(Duration.ofMinutes(10));
        vts.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(watch.steps()).isEqualTo(1);
    }
}
