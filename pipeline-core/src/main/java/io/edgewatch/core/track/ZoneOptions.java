package io.edgewatch.core.track;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One zone of a camera (an entry of {@code zones:}).
 *
 * @param name unique among the camera's zones and lines
 * @param polygon at least 3 points, in order
 * @param relative whether the points are in 0..1 of the frame (else pixels)
 * @param classes the classes it counts; empty for all
 * @param anchor the point of a box that must be inside
 * @param inertia consecutive frames an object must be seen inside before it is in, and outside
 *                before it is out (frames it is not seen in count neither way)
 * @param loiter an object in for this long raises one loiter event per visit; zero for never
 * @param crowd more objects in than this raise a crowd event; 0 for never
 */
public record ZoneOptions(String name, List<Point> polygon, boolean relative, Set<String> classes, Anchor anchor,
                          int inertia, Duration loiter, int crowd) {

    public static final int DEFAULT_INERTIA = 3;

    public ZoneOptions {
        Objects.requireNonNull(name, "name");
        polygon = List.copyOf(polygon);
        classes = Set.copyOf(classes);
        Objects.requireNonNull(anchor, "anchor");
        loiter = loiter == null ? Duration.ZERO : loiter;
        if (polygon.size() < 3) {
            throw new IllegalArgumentException("zone " + name + ": a polygon needs at least 3 points, has " + polygon.size());
        }
        if (inertia < 1) {
            throw new IllegalArgumentException("zone " + name + ": inertia must be at least 1, was " + inertia);
        }
        if (loiter.isNegative() || crowd < 0) {
            throw new IllegalArgumentException("zone " + name + ": loiter and crowd must not be negative");
        }
    }

    /** A zone of every class, anchored at the bottom centre, inertia 3, no loiter or crowd events. */
    public static ZoneOptions of(String name, boolean relative, Point... polygon) {
        return new ZoneOptions(name, List.of(polygon), relative, Set.of(), Anchor.BOTTOM_CENTER, DEFAULT_INERTIA,
                Duration.ZERO, 0);
    }

    public ZoneOptions withClasses(String... names) {
        return new ZoneOptions(name, polygon, relative, Set.of(names), anchor, inertia, loiter, crowd);
    }

    public ZoneOptions withInertia(int frames) {
        return new ZoneOptions(name, polygon, relative, classes, anchor, frames, loiter, crowd);
    }

    public ZoneOptions withLoiter(Duration after) {
        return new ZoneOptions(name, polygon, relative, classes, anchor, inertia, after, crowd);
    }

    public ZoneOptions withCrowd(int above) {
        return new ZoneOptions(name, polygon, relative, classes, anchor, inertia, loiter, above);
    }

    public ZoneOptions withAnchor(Anchor point) {
        return new ZoneOptions(name, polygon, relative, classes, point, inertia, loiter, crowd);
    }
}
