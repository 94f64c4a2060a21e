package io.edgewatch.core.sample;

import static io.edgewatch.core.testing.Results.det;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.testing.MovingClock;
import io.edgewatch.core.testing.Results;

class SamplerTest {

    private final MovingClock clock = new MovingClock(Instant.parse("2026-12-02T10:00:00Z"));

    private static InferenceResult result(Prediction... ps) {
        return Results.inferred("cam", "m/1", 1, "i", ps).result();
    }

    private static SampleStrategy strategy(String name, SampleRule rule) {
        return new SampleStrategy(name, rule, 1.0, List.of(), SampleLimits.NONE);
    }

    private Sampler sampler(CameraSignals signals, SampleStrategy... strategies) {
        return new Sampler(List.of(strategies), SampleLimits.NONE, signals, clock, new SplittableRandom(7));
    }

    @Test
    void closeToThresholdIsStrictAndCountsOnlyItsClasses() {
        SampleRule rule = new SampleRule.CloseToThreshold(0.5, 0.1, Set.of("helmet"), 2);
        assertThat(rule.matches(result(det("helmet", 0.45), det("helmet", 0.58)), CameraSignals.NONE)).isTrue();
        // strict: exactly epsilon away does not match (0.75 - 0.5 is exact in binary, unlike 0.6 - 0.5)
        SampleRule quarter = new SampleRule.CloseToThreshold(0.5, 0.25, Set.of("helmet"), 2);
        assertThat(quarter.matches(result(det("helmet", 0.45), det("helmet", 0.75)), CameraSignals.NONE)).isFalse();
        assertThat(quarter.matches(result(det("helmet", 0.45), det("helmet", 0.74)), CameraSignals.NONE)).isTrue();
        assertThat(rule.matches(result(det("helmet", 0.45), det("helmet", 0.65)), CameraSignals.NONE)).isFalse();
        assertThat(rule.matches(result(det("helmet", 0.45), det("person", 0.5)), CameraSignals.NONE)).isFalse();
        assertThat(new SampleRule.CloseToThreshold(0.5, 0.1, Set.of(), 1).matches(result(det("person", 0.5)), CameraSignals.NONE))
                .isTrue();
    }

    @Test
    void detectionsNumberIsExclusiveOnBothSides() {
        SampleRule rule = new SampleRule.DetectionsNumber(1, 4, Set.of("person"));
        assertThat(rule.matches(result(det("person", .9)), CameraSignals.NONE)).isFalse();
        assertThat(rule.matches(result(det("person", .9), det("person", .8)), CameraSignals.NONE)).isTrue();
        assertThat(rule.matches(result(det("person", .9), det("person", .8), det("car", .7), det("car", .7)), CameraSignals.NONE))
                .isTrue();
        assertThat(rule.matches(result(det("person", .9), det("person", .8), det("person", .7), det("person", .7)),
                CameraSignals.NONE)).isFalse();
        assertThat(new SampleRule.DetectionsNumber(-1, 1, Set.of()).matches(result(), CameraSignals.NONE)).isTrue();
    }

    @Test
    void classesWhileAlertAndUnseenClassReadTheResultAndTheSignals() {
        CameraSignals firing = signals(true, Set.of("person"));
        assertThat(new SampleRule.Classes(Set.of("forklift")).matches(result(det("forklift", .3)), CameraSignals.NONE)).isTrue();
        assertThat(new SampleRule.Classes(Set.of("forklift")).matches(result(det("person", .3)), CameraSignals.NONE)).isFalse();
        assertThat(new SampleRule.WhileAlert().matches(result(), firing)).isTrue();
        assertThat(new SampleRule.WhileAlert().matches(result(), CameraSignals.NONE)).isFalse();
        assertThat(new SampleRule.UnseenClass().matches(result(det("person", .9)), firing)).isFalse();
        assertThat(new SampleRule.UnseenClass().matches(result(det("person", .9), det("dog", .4)), firing)).isTrue();
        // no baseline learnt yet: nothing is unseen
        assertThat(new SampleRule.UnseenClass().matches(result(det("dog", .4)), CameraSignals.NONE)).isFalse();
    }

    @Test
    void theFirstMatchingStrategyWithCreditWinsInTheOrderWritten() {
        SampleStrategy few = new SampleStrategy("few", new SampleRule.Classes(Set.of("person")), 1.0, List.of("t"),
                new SampleLimits(2, SampleLimits.UNBOUNDED, SampleLimits.UNBOUNDED));
        SampleStrategy any = strategy("any", new SampleRule.Random());
        Sampler s = sampler(CameraSignals.NONE, few, any);
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            chosen.add(s.choose(result(det("person", .9))).map(c -> c.strategy().name()).orElse("-"));
        }
        chosen.add(s.choose(result(det("car", .9))).map(c -> c.strategy().name()).orElse("-"));
        assertThat(chosen).containsExactly("few", "few", "any", "any", "any");
    }

    @Test
    void aStepOfTheWallClockKeepsTheCreditsUsedCountedInTheCorrectedHourAndDay() {
        // a box that booted years back: 4 of the hour's 5 used at 23:40 on its clock, which NTP then sets to 10:20
        clock.set(Instant.parse("2018-09-21T23:40:00Z"));
        SampleStrategy a = new SampleStrategy("a", new SampleRule.Random(), 1.0, List.of(), new SampleLimits(10, 5, 6));
        Sampler s = sampler(CameraSignals.NONE, a);
        int taken = 0;
        for (int i = 0; i < 4; i++) {
            taken += s.choose(result()).isPresent() ? 1 : 0;
        }
        assertThat(taken).isEqualTo(4);
        Duration step = Duration.between(Instant.parse("2018-09-21T23:40:00Z"), Instant.parse("2026-12-08T10:20:00Z"));
        clock.advance(step);
        s.clockStepped(step);
        assertThat(s.used("a")).as("the minute, hour and day they fall in on the corrected clock").containsExactly(4, 4, 4);
        taken = 0;
        for (int i = 0; i < 10; i++) {
            taken += s.choose(result()).isPresent() ? 1 : 0;
        }
        assertThat(taken).as("the hour's 5th only, not 5 more").isEqualTo(1);
        // and a step back of an hour does not give the hour's credits again
        clock.advance(Duration.ofHours(-1));
        s.clockStepped(Duration.ofHours(-1));
        assertThat(s.choose(result())).isEmpty();
    }

    @Test
    void limitsHoldPerUtcMinuteHourAndDayAndTheCameraCapOverAll() {
        SampleStrategy a = new SampleStrategy("a", new SampleRule.Random(), 1.0, List.of(), new SampleLimits(3, 5, 6));
        Sampler s = sampler(CameraSignals.NONE, a);
        int taken = 0;
        for (int minute = 0; minute < 4; minute++) {
            for (int i = 0; i < 10; i++) {
                taken += s.choose(result()).isPresent() ? 1 : 0;
            }
            clock.advance(Duration.ofMinutes(1));
        }
        // 3 in the first minute, 2 in the second (the hour's 5), none after
        assertThat(taken).isEqualTo(5);
        clock.advance(Duration.ofHours(1));
        taken = 0;
        for (int i = 0; i < 10; i++) {
            taken += s.choose(result()).isPresent() ? 1 : 0;
        }
        // the day's 6th
        assertThat(taken).isEqualTo(1);

        Sampler capped = new Sampler(List.of(strategy("x", new SampleRule.Random()), strategy("y", new SampleRule.Random())),
                new SampleLimits(SampleLimits.UNBOUNDED, 4, SampleLimits.UNBOUNDED), CameraSignals.NONE, clock, new SplittableRandom(1));
        int n = 0;
        for (int i = 0; i < 20; i++) {
            n += capped.choose(result()).isPresent() ? 1 : 0;
        }
        assertThat(n).isEqualTo(4);
    }

    @Test
    void aCreditGivenBackCanBeUsedAgainInTheSameMinute() {
        Sampler s = sampler(CameraSignals.NONE, new SampleStrategy("a", new SampleRule.Random(), 1.0, List.of(),
                new SampleLimits(1, 10, 10)));
        Optional<Sampler.Choice> first = s.choose(result());
        assertThat(first).isPresent();
        assertThat(s.choose(result())).isEmpty();
        s.giveBack(first.get());
        assertThat(s.used("a")).containsExactly(0, 0, 0);
        assertThat(s.choose(result())).isPresent();
    }

    @Test
    void probabilityIsTheShareOfMatchingFramesTaken() {
        Sampler s = sampler(CameraSignals.NONE, new SampleStrategy("r", new SampleRule.Random(), 0.2, List.of(), SampleLimits.NONE));
        int n = 0;
        for (int i = 0; i < 10_000; i++) {
            n += s.choose(result()).isPresent() ? 1 : 0;
        }
        assertThat(n).isBetween(1_800, 2_200);
    }

    @Test
    void nothingIsChosenWhenNoStrategyMatches() {
        Sampler s = sampler(CameraSignals.NONE, strategy("c", new SampleRule.Classes(Set.of("forklift"))),
                strategy("t", new SampleRule.CloseToThreshold(0.5, 0.05, Set.of(), 1)), strategy("w", new SampleRule.WhileAlert()));
        for (int i = 0; i < 100; i++) {
            assertThat(s.choose(result(det("person", 0.9)))).isEmpty();
        }
        assertThat(s.used("c")).containsExactly(0, 0, 0);
    }

    private static CameraSignals signals(boolean firing, Set<String> classes) {
        return new CameraSignals() {
            @Override
            public boolean alertFiring() {
                return firing;
            }

            @Override
            public Set<String> baselineClasses() {
                return classes;
            }
        };
    }
}
