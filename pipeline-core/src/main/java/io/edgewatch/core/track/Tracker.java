package io.edgewatch.core.track;

import java.util.List;

import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.track.internal.ByteTracker;

/**
 * One camera's multi-object tracker: ByteTrack's association of detections to tracks, frame by
 * frame. Per frame, every track's Kalman filter predicts its box; detections at or above
 * {@code activation} are matched to tracks that are tracked or lost (least total {@code 1 - IoU},
 * pairs over {@code match_iou} only); tracks seen in the last frame and still unmatched are matched
 * to the low detections (from {@link TrackerOptions#LOW_FLOOR}); new tracks not yet counted are
 * matched to what high detections are left, last; high detections left over start new tracks.
 * Association is per class: a track never takes a detection of another class. A track counts, and
 * gets its id, once seen in {@code min_frames} consecutive frames; ids count from 1 and never
 * repeat in the tracker's life. A counted track not seen for {@code lost_after} (time, not frames)
 * is removed, and nothing of it is kept: the tracker's memory grows with the tracks alive, never
 * with the ids it has given.
 *
 * <p>Pure Java, no native memory. Not thread-safe: one camera's frames, one at a time, in order.
 * Predictions without a box (classifications) are ignored.
 */
public interface Tracker {

    /** A tracker with these options. */
    static Tracker create(TrackerOptions options) {
        return new ByteTracker(options);
    }

    /**
     * Associates one frame's detections, the frame's size unknown.
     *
     * @param timeNanos the frame's capture time on a monotonic clock (nanoseconds); a time earlier
     *                  than the last frame's is taken as the same time
     */
    default TrackUpdate update(long timeNanos, List<Prediction> detections) {
        return update(timeNanos, 0, 0, detections);
    }

    /**
     * Associates one frame's detections, knowing the frame's size: a lost track whose predicted centre has left
     * the frame is removed at once (it walked out; kept, it would take the next object to walk in there).
     *
     * @param frameWidth the frame's width in pixels, 0 when unknown
     * @param frameHeight its height, 0 when unknown
     */
    TrackUpdate update(long timeNanos, int frameWidth, int frameHeight, List<Prediction> detections);

    /** Tracks held now, counted or not (new, tracked, lost). */
    int liveTracks();

    /** The last id given (0 before any). */
    long lastId();
}
