package io.edgewatch.core.track.internal;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.track.TrackState;
import io.edgewatch.core.track.TrackedObject;

/** One track's mutable state, held by its tracker while it is alive and dropped when it is removed. */
final class Track {

    final String className;
    final BoxKalman filter;
    final long firstSeenNanos;
    long lastSeenNanos;
    /** 0 until the track counts. */
    long id;
    TrackState state = TrackState.NEW;
    /** Consecutive frames seen while new. */
    int hits = 1;
    Box box;
    double confidence;
    /** Whether a detection continued it in the current frame. */
    boolean seenNow;
    // the predicted box of the current frame, as corners
    double left;
    double top;
    double right;
    double bottom;

    Track(String className, Box box, double confidence, long nanos) {
        this.className = className;
        this.filter = new BoxKalman(box.x(), box.y(), box.width(), box.height());
        this.firstSeenNanos = nanos;
        this.lastSeenNanos = nanos;
        this.box = box;
        this.confidence = confidence;
        this.seenNow = true;
        corners();
    }

    void predict(double dt) {
        if (state != TrackState.TRACKED) {
            filter.holdHeight();
        }
        filter.predict(dt);
        seenNow = false;
        corners();
    }

    void see(Box detected, double score, long nanos) {
        filter.update(detected.x(), detected.y(), detected.width(), detected.height());
        box = detected;
        confidence = score;
        lastSeenNanos = nanos;
        seenNow = true;
    }

    private void corners() {
        double w = filter.width();
        double h = filter.height();
        left = filter.centerX() - w / 2;
        right = left + w;
        top = filter.centerY() - h / 2;
        bottom = top + h;
    }

    Box predictedBox() {
        return new Box(filter.centerX(), filter.centerY(), filter.width(), filter.height());
    }

    TrackedObject snapshot(TrackState as) {
        boolean seen = as == TrackState.TRACKED;
        return new TrackedObject(id, className, as, seen || as == TrackState.REMOVED ? box : predictedBox(),
                seen ? confidence : 0.0, firstSeenNanos, lastSeenNanos);
    }

    /** IoU of this track's predicted box and a detection's box. */
    double iou(Box b) {
        double bl = b.x() - b.width() / 2;
        double bt = b.y() - b.height() / 2;
        double iw = Math.min(right, bl + b.width()) - Math.max(left, bl);
        if (iw <= 0) {
            return 0;
        }
        double ih = Math.min(bottom, bt + b.height()) - Math.max(top, bt);
        if (ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        double union = (right - left) * (bottom - top) + b.width() * b.height() - inter;
        return union > 0 ? inter / union : 0;
    }
}
