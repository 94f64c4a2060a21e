package io.edgewatch.core.clock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Measures on the monotonic clock and labels with the wall clock, and notices when the wall clock
 * steps: a step is the wall clock's offset from the monotonic clock moving by more than
 * {@link #STEP} between two {@link #check()}s. Whoever checks first after a step (each camera's
 * aggregator checks at least every second) gets it counted, logged once as a WARN with its size,
 * and handed to every {@link #onStep} listener, on the checking thread, outside the watch's lock.
 * Smaller moves (NTP slewing, a step under a second) are taken in silently: labels follow the wall
 * clock from the next check on. Thread-safe.
 *
 * <p>{@link #system()} is the process's one watch ({@link System#nanoTime()} and the UTC system
 * clock), the default of every aggregator: a daemon learns of every step with one
 * {@code ClockWatch.system().onStep(...)}. Tests make their own with {@link #of} on virtual time.
 */
public final class ClockWatch {

    /** A move of the wall clock's offset larger than this between two checks is a step. */
    public static final Duration STEP = Duration.ofSeconds(1);
    /** How often a running aggregator checks, at least. */
    public static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(ClockWatch.class);
    private static final ClockWatch SYSTEM = new ClockWatch(System::nanoTime, Clock.systemUTC());

    private final LongSupplier monotonicNanos;
    private final Clock wall;
    private final List<Consumer<ClockStep>> listeners = new CopyOnWriteArrayList<>();
    private Reading last;

    private ClockWatch(LongSupplier monotonicNanos, Clock wall) {
        this.monotonicNanos = Objects.requireNonNull(monotonicNanos, "monotonicNanos");
        this.wall = Objects.requireNonNull(wall, "wall");
        long mono = monotonicNanos.getAsLong();
        this.last = new Reading(mono, nanos(wall.instant()) - mono, 0, 0);
    }

    /** The process's watch: {@link System#nanoTime()} measures, the UTC system clock labels. */
    public static ClockWatch system() {
        return SYSTEM;
    }

    /** A watch of its own on these clocks (virtual time in tests: the scheduler's nanos and a wall clock the test moves). */
    public static ClockWatch of(LongSupplier monotonicNanos, Clock wall) {
        return new ClockWatch(monotonicNanos, wall);
    }

    /**
     * Reads both clocks now: a step since the last check is counted, logged and handed to the
     * listeners before this returns.
     */
    public Reading check() {
        ClockStep step;
        Reading now;
        synchronized (this) {
            long mono = monotonicNanos.getAsLong();
            long offset = nanos(wall.instant()) - mono;
            long moved = offset - last.offsetNanos();
            if (Math.abs(moved) > STEP.toNanos()) {
                now = new Reading(mono, offset, last.steps() + 1, last.steppedNanos() + moved);
                step = new ClockStep(Duration.ofNanos(moved), last.label(mono), now.label(mono), now.steps());
            } else {
                now = new Reading(mono, offset, last.steps(), last.steppedNanos());
                step = null;
            }
            last = now;
        }
        if (step != null) {
            log.warn("the wall clock stepped {} s (from {} to {}); window lengths stay on the monotonic clock, the open windows"
                            + " are closed at the step", String.format(Locale.ROOT, "%+.3f", step.seconds()), step.before(), step.after());
            for (Consumer<ClockStep> listener : listeners) {
                try {
                    listener.accept(step);
                } catch (RuntimeException e) {
                    log.warn("a clock step listener failed: {}", e.toString());
                }
            }
        }
        return now;
    }

    /** Steps seen so far. */
    public synchronized long steps() {
        return last.steps();
    }

    /** {@code listener} is handed every step from now on; disposing the result stops that. */
    public Disposable onStep(Consumer<ClockStep> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Checks every {@code period} on {@code timer} until disposed: for a process where no aggregator runs. */
    public Disposable checkEvery(Duration period, Scheduler timer) {
        return timer.schedulePeriodically(this::check, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    /**
     * Both clocks at one check.
     *
     * @param monotonicNanos the monotonic clock
     * @param offsetNanos the wall clock minus the monotonic clock
     * @param steps steps seen up to this reading
     * @param steppedNanos the sum of those steps' sizes, signed
     */
    public record Reading(long monotonicNanos, long offsetNanos, long steps, long steppedNanos) {

        /** The wall time of monotonic instant {@code mono} on this reading's clock. */
        public Instant label(long mono) {
            long t = mono + offsetNanos;
            return Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L), Math.floorMod(t, 1_000_000_000L));
        }

        /** The wall time of this reading. */
        public Instant label() {
            return label(monotonicNanos);
        }
    }
}
