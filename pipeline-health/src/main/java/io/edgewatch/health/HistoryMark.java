package io.edgewatch.health;

import java.time.Instant;

/**
 * A mark on a history's time axis, kept in the health store so that it outlives the process: a
 * camera's source state change ({@link #STATE}, {@code camera} set, {@code detail} the state's
 * name), or a daemon's start, clean stop or wall-clock step ({@link #START}, {@link #STOP},
 * {@link #CLOCK_STEP}; {@code camera} null, {@code detail} the version or the step in seconds).
 *
 * @param camera the camera's id; null for the daemon's own marks
 */
public record HistoryMark(String camera, Instant at, String kind, String detail) {

    public static final String STATE = "state";
    public static final String START = "start";
    public static final String STOP = "stop";
    public static final String CLOCK_STEP = "clock_step";

    public HistoryMark {
        if (at == null || kind == null) {
            throw new IllegalArgumentException("a history mark needs its time and kind");
        }
    }

    /** True for the daemon's own marks (a start, a stop, a clock step), which belong to every camera's history. */
    public boolean daemon() {
        return camera == null;
    }
}
