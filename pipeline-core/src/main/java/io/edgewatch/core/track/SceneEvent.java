package io.edgewatch.core.track;

import java.time.Duration;

/** Something an object did in a camera's zones or on its lines, at a frame's time (nanoseconds, the tracker's clock). */
public sealed interface SceneEvent {

    long timeNanos();

    /** The zone or line. */
    String place();

    /** An object crossed a line; {@code in} toward its left-hand side (see {@link LineOptions}). */
    record LineCrossed(long timeNanos, String place, long id, String className, boolean in) implements SceneEvent {
    }

    /**
     * An object came into a zone: {@code timeNanos} is when it crossed the boundary before the first of the
     * {@code inertia} frames that made it in (between that frame and the one before it, where it was seen outside).
     */
    record ZoneEntered(long timeNanos, String place, long id, String className) implements SceneEvent {
    }

    /**
     * An object left a zone: {@code timeNanos} is when it crossed the boundary before the first of the frames that
     * made it out (or its last frame seen, when it was removed while in), {@code dwell} from its entry to then.
     */
    record ZoneExited(long timeNanos, String place, long id, String className, Duration dwell) implements SceneEvent {
    }

    /** An object has been in a zone for its {@code loiter} time (once per visit). */
    record Loitering(long timeNanos, String place, long id, String className, Duration dwell) implements SceneEvent {
    }

    /** A zone's occupancy went above its {@code crowd} ({@code started}), or back to it or below. */
    record Crowd(long timeNanos, String place, int occupancy, boolean started) implements SceneEvent {
    }
}
