/**
 * Objects rather than detections: a camera's {@link io.edgewatch.core.track.Tracker} (ByteTrack,
 * per class) turns each frame's boxes into tracks with ids that never repeat. Pure Java, no native
 * memory; nothing is kept of a track once it is removed. Not thread-safe: one camera's frames, in
 * order. The implementation is in {@code internal}.
 */
package io.edgewatch.core.track;
