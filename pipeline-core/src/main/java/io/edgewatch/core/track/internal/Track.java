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
        return iou(b, 0);
    }

    /**
     * IoU of this track's predicted box and a detection's box, each grown by {@code buffer} of its width and height
     * on every side (the "buffered IoU" of C-BIoU: boxes that moved farther than their size between two frames
     * still overlap).
     */
    double iou(Box b, double buffer) {
        // apart by more than their half widths (grown): no overlap, the common case, without the arithmetic below
        double reach = (right - left + b.width()) * (0.5 + buffer);
        if (Math.abs(b.x() - (left + right) / 2) >= reach) {
            return 0;
        }
        double tw = (right - left) * buffer;
        double th = (bottom - top) * buffer;
        double l1 = left - tw;
        double r1 = right + tw;
        double t1 = top - th;
        double b1 = bottom + th;
        double bw = b.width() * (1 + 2 * buffer);
        double bh = b.height() * (1 + 2 * buffer);
        double bl = b.x() - bw / 2;
        double bt = b.y() - bh / 2;
        double iw = Math.min(r1, bl + bw) - Math.max(l1, bl);
        if (iw <= 0) {
            return 0;
        }
        double ih = Math.min(b1, bt + bh) - Math.max(t1, bt);
        if (ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        double union = (r1 - l1) * (b1 - t1) + bw * bh - inter;
        return union > 0 ? inter / union : 0;
    }
}
