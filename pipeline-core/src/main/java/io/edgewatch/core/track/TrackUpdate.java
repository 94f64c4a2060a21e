package io.edgewatch.core.track;

import java.util.List;

/**
 * What one frame did to a camera's tracks.
 *
 * @param timeNanos the frame's time, as given to the tracker
 * @param objects every counted track that is alive after the frame: {@link TrackState#TRACKED}
 *                (seen in it) and {@link TrackState#LOST} (predicted)
 * @param begun the ids of {@code objects} that counted for the first time in this frame
 * @param removed the counted tracks removed in this frame, each for the last time (state
 *                {@link TrackState#REMOVED}): whoever keeps state per id releases it here
 * @param refound how many lost tracks a detection continued again in this frame (fragments)
 */
public record TrackUpdate(long timeNanos, List<TrackedObject> objects, List<Long> begun, List<TrackedObject> removed,
                          int refound) {

    public TrackUpdate {
        objects = List.copyOf(objects);
        begun = List.copyOf(begun);
        removed = List.copyOf(removed);
    }
}
