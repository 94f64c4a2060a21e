package io.edgewatch.core.aggregate;

import java.time.Duration;
import java.util.Objects;

import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.inference.ModelType;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How one camera's windows are cut.
 *
 * @param cameraId the camera
 * @param modelId the camera's model: empty windows are reported under it
 * @param modelType that model's task
 * @param frequency how often a window closes, on a timer
 * @param maxBatch how many reduced frames may wait before they are folded into the window
 * @param maxBatchDelay how long a reduced frame may wait before it is folded in; a frame that
 *                      arrives this close to a window's end may be counted in the next window
 * @param scheduler the timer (virtual time in tests)
 * @param clock what measures a window's length (its monotonic clock) and labels it (its wall clock),
 *              and notices the wall clock's steps; {@link ClockWatch#system()} unless a test gives its own
 */
public record WindowOptions(String cameraId, String modelId, ModelType modelType, Duration frequency,
                            int maxBatch, Duration maxBatchDelay, Scheduler scheduler, ClockWatch clock) {

    public static final Duration DEFAULT_FREQUENCY = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_BATCH = 256;
    public static final Duration DEFAULT_MAX_BATCH_DELAY = Duration.ofMillis(50);

    public WindowOptions {
        Objects.requireNonNull(cameraId, "cameraId");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(clock, "clock");
        if (frequency == null || frequency.isNegative() || frequency.isZero()) {
            throw new IllegalArgumentException("frequency must be positive, was " + frequency);
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
        }
        if (maxBatchDelay == null || maxBatchDelay.isNegative() || maxBatchDelay.isZero()
                || maxBatchDelay.compareTo(frequency) >= 0) {
            throw new IllegalArgumentException("maxBatchDelay must be positive and shorter than the frequency, was "
                    + maxBatchDelay);
        }
    }

    /** Options measured and labelled by {@link ClockWatch#system()}. */
    public WindowOptions(String cameraId, String modelId, ModelType modelType, Duration frequency,
                         int maxBatch, Duration maxBatchDelay, Scheduler scheduler) {
        this(cameraId, modelId, modelType, frequency, maxBatch, maxBatchDelay, scheduler, ClockWatch.system());
    }

    /** Defaults for everything but the camera, model and frequency; the timer is {@link Schedulers#parallel()}. */
    public static WindowOptions of(String cameraId, String modelId, ModelType modelType, Duration frequency) {
        return new WindowOptions(cameraId, modelId, modelType, frequency, DEFAULT_MAX_BATCH,
                min(DEFAULT_MAX_BATCH_DELAY, frequency.dividedBy(10)), Schedulers.parallel());
    }

    /** The same options on another timer. */
    public WindowOptions withScheduler(Scheduler timer) {
        return new WindowOptions(cameraId, modelId, modelType, frequency, maxBatch,
                maxBatchDelay, timer, clock);
    }

    /** The same options on other clocks (virtual time in tests). */
    public WindowOptions withClock(ClockWatch watch) {
        return new WindowOptions(cameraId, modelId, modelType, frequency, maxBatch, maxBatchDelay, scheduler, watch);
    }

    private static Duration min(Duration a, Duration b) {
        Duration m = a.compareTo(b) <= 0 ? a : b;
        return m.isZero() ? Duration.ofNanos(1) : m;
    }
}
