package io.edgewatch.core.sample;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

import io.edgewatch.core.inference.InferenceResult;

/**
 * Chooses a camera's samples: its strategies are tried in the order written and the first whose
 * rule matches, whose probability draw succeeds and that has credit left (its own and the
 * camera's) wins; the frame then uses one credit of each kind (minute, hour, day, counted per UTC
 * minute, hour and date). {@link #giveBack} returns them when the sample is refused (a duplicate)
 * or cannot be kept. After a step of the wall clock ({@link #clockStepped}) the credits used are
 * counted in the minute, hour and day of the corrected clock, not given again by a new key (a step
 * back of an hour) nor lost to one (NTP correcting a box that booted years back). Thread-safe;
 * deciding costs a pass over the predictions.
 */
public final class Sampler {

    /** A chosen frame: the strategy that took it, and when (what its credits are counted against). */
    public record Choice(SampleStrategy strategy, Instant at) {
    }

    private final List<SampleStrategy> strategies;
    private final List<Credits> credits = new ArrayList<>();
    private final Credits camera;
    private final CameraSignals signals;
    private final Clock clock;
    private final RandomGenerator random;

    public Sampler(List<SampleStrategy> strategies, SampleLimits cameraLimits, CameraSignals signals, Clock clock,
                   RandomGenerator random) {
        this.strategies = List.copyOf(strategies);
        this.strategies.forEach(s -> credits.add(new Credits(s.limits())));
        this.camera = new Credits(cameraLimits);
        this.signals = signals;
        this.clock = clock;
        this.random = random;
    }

    public List<SampleStrategy> strategies() {
        return strategies;
    }

    /** The strategy that takes this frame, its credits used; empty when none does. */
    public Optional<Choice> choose(InferenceResult result) {
        for (int i = 0; i < strategies.size(); i++) {
            SampleStrategy s = strategies.get(i);
            if (!s.rule().matches(result, signals)) {
                continue;
            }
            if (s.probability() < 1 && random.nextDouble() >= s.probability()) {
                continue;
            }
            Instant now = clock.instant();
            synchronized (this) {
                if (camera.spare(now) && credits.get(i).spare(now)) {
                    camera.take(now);
                    credits.get(i).take(now);
                    return Optional.of(new Choice(s, now));
                }
            }
        }
        return Optional.empty();
    }

    /** Returns a choice's credits, for the minute, hour and day that are still the ones it was counted in. */
    public void giveBack(Choice choice) {
        giveBack(choice.strategy().name(), choice.at());
    }

    /** The same for a sample known by its strategy's name and time (one sent by an earlier run, say): nothing if it has gone. */
    public synchronized void giveBack(String strategy, Instant at) {
        for (int i = 0; i < strategies.size(); i++) {
            if (strategies.get(i).name().equals(strategy)) {
                credits.get(i).giveBack(at);
                camera.giveBack(at);
                return;
            }
        }
    }

    /**
     * The wall clock stepped by {@code by}: the credits used so far count in the minute, hour and day their last sample
     * falls in on the corrected clock.
     */
    public synchronized void clockStepped(Duration by) {
        credits.forEach(c -> c.stepped(by));
        camera.stepped(by);
    }

    /** Samples used in the current UTC minute, hour and day by strategy {@code name} (for tests and the status). */
    public synchronized int[] used(String name) {
        for (int i = 0; i < strategies.size(); i++) {
            if (strategies.get(i).name().equals(name)) {
                Credits c = credits.get(i);
                c.roll(clock.instant());
                return new int[] {c.minute, c.hour, c.day};
            }
        }
        throw new IllegalArgumentException("no strategy " + name);
    }

    private static final class Credits {
        private final SampleLimits limits;
        private long minuteKey = Long.MIN_VALUE;
        private long hourKey = Long.MIN_VALUE;
        private long dayKey = Long.MIN_VALUE;
        private int minute;
        private int hour;
        private int day;
        /** When the last credit was taken, on the clock of then; null before the first. */
        private Instant last;

        Credits(SampleLimits limits) {
            this.limits = limits;
        }

        void roll(Instant t) {
            long s = t.getEpochSecond();
            long m = Math.floorDiv(s, 60);
            long h = Math.floorDiv(s, 3600);
            long d = Math.floorDiv(s, 86_400);
            if (m != minuteKey) {
                minuteKey = m;
                minute = 0;
            }
            if (h != hourKey) {
                hourKey = h;
                hour = 0;
            }
            if (d != dayKey) {
                dayKey = d;
                day = 0;
            }
        }

        boolean spare(Instant t) {
            roll(t);
            return minute < limits.perMinute() && hour < limits.perHour() && day < limits.perDay();
        }

        void take(Instant t) {
            roll(t);
            last = t;
            minute++;
            hour++;
            day++;
        }

        /** The keys of the last sample's time on the corrected clock: what was used there stays used. */
        void stepped(Duration by) {
            if (last == null) {
                return;
            }
            last = last.plus(by);
            long s = last.getEpochSecond();
            minuteKey = Math.floorDiv(s, 60);
            hourKey = Math.floorDiv(s, 3600);
            dayKey = Math.floorDiv(s, 86_400);
        }

        void giveBack(Instant t) {
            long s = t.getEpochSecond();
            if (Math.floorDiv(s, 60) == minuteKey && minute > 0) {
                minute--;
            }
            if (Math.floorDiv(s, 3600) == hourKey && hour > 0) {
                hour--;
            }
            if (Math.floorDiv(s, 86_400) == dayKey && day > 0) {
                day--;
            }
        }
    }
}
