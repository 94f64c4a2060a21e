package io.edgewatch.core.track.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.track.TrackState;
import io.edgewatch.core.track.TrackUpdate;
import io.edgewatch.core.track.TrackedObject;
import io.edgewatch.core.track.Tracker;
import io.edgewatch.core.track.TrackerOptions;

/**
 * ByteTrack, per class (see {@link Tracker}). Differences from ByteTrack's reference code, each
 * on purpose: time in seconds rather than frames ({@link BoxKalman}); a track counts after
 * {@code min_frames} frames, the first frame of the stream included (ByteTrack counts every track
 * of its first frame at once); the first pass's cost is {@code 1 - IoU}, not fused with the score;
 * and tracked/lost pairs that overlap are not "de-duplicated" (ByteTrack drops one of them, which
 * removes an object hidden behind another of its class).
 */
public final class ByteTracker implements Tracker {

    /** Chi-square, 3 degrees of freedom, 99 %. */
    static final double GATE = 11.345;
    /**
     * A new track has no velocity yet: its second frame is matched on boxes grown by half their size on each side,
     * so that an object that moves more than its width between frames (a walker at 5 fps) can start a track.
     */
    static final double NEW_BUFFER = 0.5;

    private final TrackerOptions options;
    private final long lostAfterNanos;
    /** Per class, only classes with a live track or a detection in the current frame. */
    private final Map<String, ClassTracks> classes = new HashMap<>();
    private final LinearAssignment solver = new LinearAssignment();
    private double[] cost = new double[64];
    private int[] rowToCol = new int[16];
    private long lastId;
    private long lastNanos = Long.MIN_VALUE;
    private int live;

    public ByteTracker(TrackerOptions options) {
        this.options = options;
        this.lostAfterNanos = options.lostAfter().toNanos();
    }

    private static final class ClassTracks {
        final List<Track> tracks = new ArrayList<>();
        final List<Prediction> high = new ArrayList<>();
        final List<Prediction> low = new ArrayList<>();
    }

    @Override
    public TrackUpdate update(long timeNanos, int frameWidth, int frameHeight, List<Prediction> detections) {
        long now = lastNanos == Long.MIN_VALUE ? timeNanos : Math.max(timeNanos, lastNanos);
        double dt = lastNanos == Long.MIN_VALUE ? 0 : (now - lastNanos) / 1e9;
        lastNanos = now;
        for (Prediction p : detections) {
            Box b = p.box();
            if (b == null || !(p.confidence() >= TrackerOptions.LOW_FLOOR) || !(b.width() > 0) || !(b.height() > 0)) {
                continue;
            }
            ClassTracks c = classes.computeIfAbsent(p.className(), k -> new ClassTracks());
            (p.confidence() >= options.activation() ? c.high : c.low).add(p);
        }
        List<TrackedObject> objects = new ArrayList<>();
        List<Long> begun = new ArrayList<>(2);
        List<TrackedObject> removed = new ArrayList<>(2);
        int refound = 0;
        live = 0;
        for (Iterator<Map.Entry<String, ClassTracks>> it = classes.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ClassTracks> e = it.next();
            ClassTracks c = e.getValue();
            refound += associate(e.getKey(), c, now, dt, frameWidth, frameHeight, begun, removed);
            c.high.clear();
            c.low.clear();
            if (c.tracks.isEmpty()) {
                it.remove();
                continue;
            }
            live += c.tracks.size();
            for (Track t : c.tracks) {
                if (t.state != TrackState.NEW) {
                    objects.add(t.snapshot(t.state));
                }
            }
        }
        return new TrackUpdate(now, objects, begun, removed, refound);
    }

    /** One class's frame; returns how many lost tracks were found again. */
    private int associate(String className, ClassTracks c, long now, double dt, int width, int height,
                          List<Long> begun, List<TrackedObject> removed) {
        List<Track> tracks = c.tracks;
        int n = tracks.size();
        for (Track t : tracks) {
            t.predict(dt);
        }
        // pass 1: counted tracks (tracked or lost) against high detections
        List<Track> pool = new ArrayList<>(n);
        List<Track> fresh = new ArrayList<>();
        for (Track t : tracks) {
            (t.state == TrackState.NEW ? fresh : pool).add(t);
        }
        List<Prediction> high = c.high;
        boolean[] highUsed = new boolean[high.size()];
        int refound = 0;
        int[] match = match(pool, high, null, 1 - options.matchIou(), 0);
        List<Track> stillTracked = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            Track t = pool.get(i);
            if (match[i] >= 0) {
                Prediction d = high.get(match[i]);
                highUsed[match[i]] = true;
                if (t.state == TrackState.LOST) {
                    refound++;
                }
                t.see(d.box(), d.confidence(), now);
                t.state = TrackState.TRACKED;
            } else if (t.state == TrackState.TRACKED) {
                stillTracked.add(t);
            }
        }
        // pass 2: tracks seen in the last frame against low detections; the rest are lost
        if (!stillTracked.isEmpty()) {
            List<Prediction> low = c.low;
            int[] lowMatch = match(stillTracked, low, null, 1 - TrackerOptions.LOW_MATCH_IOU, 0);
            for (int i = 0; i < stillTracked.size(); i++) {
                Track t = stillTracked.get(i);
                if (lowMatch[i] >= 0) {
                    Prediction d = low.get(lowMatch[i]);
                    t.see(d.box(), d.confidence(), now);
                } else {
                    t.state = TrackState.LOST;
                }
            }
        }
        // pass 3: new tracks against the high detections left; a new track missed is dropped
        if (!fresh.isEmpty()) {
            int[] freshMatch = match(fresh, high, highUsed, 1 - TrackerOptions.NEW_MATCH_IOU, NEW_BUFFER);
            for (int i = 0; i < fresh.size(); i++) {
                Track t = fresh.get(i);
                if (freshMatch[i] >= 0) {
                    Prediction d = high.get(freshMatch[i]);
                    highUsed[freshMatch[i]] = true;
                    t.see(d.box(), d.confidence(), now);
                    t.hits++;
                    if (t.hits >= options.minFrames()) {
                        count(t, begun);
                    }
                } else {
                    t.state = TrackState.REMOVED;
                }
            }
        }
        // high detections left start tracks
        for (int j = 0; j < high.size(); j++) {
            if (!highUsed[j]) {
                Prediction d = high.get(j);
                Track t = new Track(className, d.box(), d.confidence(), now);
                tracks.add(t);
                if (options.minFrames() <= 1) {
                    count(t, begun);
                }
            }
        }
        // lost too long, or walked out of the frame: removed, and forgotten
        for (Iterator<Track> it = tracks.iterator(); it.hasNext(); ) {
            Track t = it.next();
            if (t.state == TrackState.LOST && (now - t.lastSeenNanos > lostAfterNanos || outside(t, width, height))) {
                t.state = TrackState.REMOVED;
                removed.add(t.snapshot(TrackState.REMOVED));
            }
            if (t.state == TrackState.REMOVED) {
                it.remove();
            }
        }
        return refound;
    }

    private static boolean outside(Track t, int width, int height) {
        if (width <= 0 || height <= 0) {
            return false;
        }
        double cx = t.filter.centerX();
        double cy = t.filter.centerY();
        return cx < 0 || cy < 0 || cx > width || cy > height;
    }

    private void count(Track t, List<Long> begun) {
        t.id = ++lastId;
        t.state = TrackState.TRACKED;
        begun.add(t.id);
    }

    /** For each track, the detection it takes (-1 for none); {@code used} detections are left out. */
    private int[] match(List<Track> rows, List<Prediction> cols, boolean[] used, double threshold, double buffer) {
        int nr = rows.size();
        int nc = cols.size();
        if (rowToCol.length < nr) {
            rowToCol = new int[Math.max(nr, rowToCol.length * 2)];
        }
        int[] out = new int[nr];
        Arrays.fill(out, -1);
        if (nr == 0 || nc == 0) {
            return out;
        }
        if (cost.length < nr * nc) {
            cost = new double[Math.max(nr * nc, cost.length * 2)];
        }
        for (int i = 0; i < nr; i++) {
            Track t = rows.get(i);
            int base = i * nc;
            for (int j = 0; j < nc; j++) {
                if (used != null && used[j]) {
                    cost[base + j] = 1.0;
                    continue;
                }
                Box b = cols.get(j).box();
                double iou = t.iou(b, buffer);
                cost[base + j] = iou > 0 && t.filter.distance(b.x(), b.y(), b.height()) <= GATE ? 1.0 - iou : 1.0;
            }
        }
        solver.solve(cost, nr, nc, threshold, rowToCol);
        System.arraycopy(rowToCol, 0, out, 0, nr);
        return out;
    }

    @Override
    public int liveTracks() {
        return live;
    }

    @Override
    public long lastId() {
        return lastId;
    }
}
