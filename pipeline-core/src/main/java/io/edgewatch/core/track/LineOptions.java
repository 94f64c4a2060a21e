package io.edgewatch.core.track;

import java.util.Objects;
import java.util.Set;

/**
 * One counting line of a camera (an entry of {@code lines:}). "In" is the left-hand side seen from
 * {@code from} to {@code to} as the picture is shown (y down): for a line from the top of the frame
 * to its bottom, in is the right half. An object crosses when its anchor goes from one side to the
 * other through the segment; it is on a side only once it is farther from the line than a tenth
 * of its box's height, so jitter on the line and an object standing on it count nothing.
 *
 * @param name unique among the camera's zones and lines
 * @param from the start of the segment
 * @param to its end
 * @param relative whether the points are in 0..1 of the frame (else pixels)
 * @param classes the classes it counts; empty for all
 * @param anchor the point of a box that crosses
 */
public record LineOptions(String name, Point from, Point to, boolean relative, Set<String> classes, Anchor anchor) {

    public LineOptions {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        classes = Set.copyOf(classes);
        Objects.requireNonNull(anchor, "anchor");
        if (from.equals(to)) {
            throw new IllegalArgumentException("line " + name + ": from and to are the same point");
        }
    }

    /** A line for every class, anchored at the bottom centre. */
    public static LineOptions of(String name, boolean relative, Point from, Point to) {
        return new LineOptions(name, from, to, relative, Set.of(), Anchor.BOTTOM_CENTER);
    }

    public LineOptions withClasses(String... names) {
        return new LineOptions(name, from, to, relative, Set.of(names), anchor);
    }

    public LineOptions withAnchor(Anchor point) {
        return new LineOptions(name, from, to, relative, classes, point);
    }
}
