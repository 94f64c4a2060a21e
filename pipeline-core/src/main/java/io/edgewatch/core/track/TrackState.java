package io.edgewatch.core.track;

/** Where a track is in its life (ByteTrack's states). */
public enum TrackState {
    /** Seen, but not yet in {@code min_frames} consecutive frames: no id, not counted. */
    NEW,
    /** Counted, and seen in the last frame. */
    TRACKED,
    /** Counted, not seen in the last frame: predicted, kept for {@code lost_after}. */
    LOST,
    /** Gone: not seen for {@code lost_after}, or new and missed. Nothing of it is kept. */
    REMOVED
}
