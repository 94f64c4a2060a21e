package io.edgewatch.core.track;

import io.edgewatch.core.inference.Box;

/**
 * One counted track in one frame.
 *
 * @param id the track's id: from 1, never repeated within the tracker's life
 * @param className its class (a track never changes class)
 * @param state {@link TrackState#TRACKED} when a detection continued it in this frame (then
 *              {@code box} and {@code confidence} are that detection's), {@link TrackState#LOST}
 *              when none did ({@code box} is where the filter predicts it, {@code confidence} 0),
 *              {@link TrackState#REMOVED} in the frame it is removed (its last box)
 * @param box in frame pixels
 * @param confidence the detection's
 * @param firstSeenNanos when its first detection was (before it counted)
 * @param lastSeenNanos when its latest detection was
 */
public record TrackedObject(long id, String className, TrackState state, Box box, double confidence,
                            long firstSeenNanos, long lastSeenNanos) {

    /** Whether a detection continued it in this frame. */
    public boolean seen() {
        return state == TrackState.TRACKED;
    }
}
