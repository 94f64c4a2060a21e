package io.edgewatch.core.track;

import java.time.Duration;

/**
 * How a camera's tracker associates detections (the {@code tracking:} section of a camera).
 *
 * @param activation the confidence from which a detection is "high": it may continue any track in
 *                   the first pass and start a new one; detections from {@link #LOW_FLOOR} up to
 *                   it only continue tracks that were seen in the last frame (ByteTrack's second pass)
 * @param matchIou the least overlap (IoU) of a high detection with a track's predicted box for the
 *                 first pass to match them
 * @param lostAfter how long a track that is no longer seen is kept, predicted, before it is removed
 *                  (time, not frames, whatever the camera's rate)
 * @param minFrames consecutive frames a new track must be seen in before it counts (gets its id);
 *                  1 counts it at once
 */
public record TrackerOptions(double activation, double matchIou, Duration lostAfter, int minFrames) {

    /** Detections below this confidence are never used (ByteTrack's fixed 0.1). */
    public static final double LOW_FLOOR = 0.1;
    /** The least IoU for the second pass (low detections against tracks seen in the last frame), as ByteTrack. */
    public static final double LOW_MATCH_IOU = 0.5;
    /** The least IoU for a new track's second frame, as ByteTrack's unconfirmed pass (cost gate 0.7). */
    public static final double NEW_MATCH_IOU = 0.3;

    public static final double DEFAULT_ACTIVATION = 0.25;
    public static final double DEFAULT_MATCH_IOU = 0.2;
    public static final Duration DEFAULT_LOST_AFTER = Duration.ofSeconds(2);
    public static final int DEFAULT_MIN_FRAMES = 2;

    public TrackerOptions {
        if (!(activation >= LOW_FLOOR && activation <= 1)) {
            throw new IllegalArgumentException("activation must be between " + LOW_FLOOR + " and 1, was " + activation);
        }
        if (!(matchIou > 0 && matchIou < 1)) {
            throw new IllegalArgumentException("match_iou must be between 0 and 1, was " + matchIou);
        }
        if (lostAfter == null || lostAfter.isNegative()) {
            throw new IllegalArgumentException("lost_after must not be negative, was " + lostAfter);
        }
        if (minFrames < 1) {
            throw new IllegalArgumentException("min_frames must be at least 1, was " + minFrames);
        }
    }

    /** The defaults: activation 0.25, match_iou 0.2, lost_after 2 s, min_frames 2. */
    public static TrackerOptions defaults() {
        return new TrackerOptions(DEFAULT_ACTIVATION, DEFAULT_MATCH_IOU, DEFAULT_LOST_AFTER, DEFAULT_MIN_FRAMES);
    }

    public TrackerOptions withActivation(double value) {
        return new TrackerOptions(value, matchIou, lostAfter, minFrames);
    }

    public TrackerOptions withMatchIou(double value) {
        return new TrackerOptions(activation, value, lostAfter, minFrames);
    }

    public TrackerOptions withLostAfter(Duration value) {
        return new TrackerOptions(activation, matchIou, value, minFrames);
    }

    public TrackerOptions withMinFrames(int value) {
        return new TrackerOptions(activation, matchIou, lostAfter, value);
    }
}
