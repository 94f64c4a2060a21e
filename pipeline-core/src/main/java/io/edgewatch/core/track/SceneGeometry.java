package io.edgewatch.core.track;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What is wrong with a camera's zones and lines, before they are used: what a configuration reader turns
 * into its errors (each problem names the zone or line, and the field). A polygon needs at least 3 points,
 * must not cross itself and must enclose an area; relative points lie in 0..1 of the frame, pixel points
 * are not negative (and, when the frame's size is known, inside it); a line's ends differ and lie in the
 * frame alike; names are unique among a camera's zones and lines.
 */
public final class SceneGeometry {

    private SceneGeometry() {
    }

    /**
     * One problem.
     *
     * @param kind {@code "zone"} or {@code "line"}
     * @param index the zone's or line's place in its list, from 0
     * @param field the key at fault: {@code name}, {@code polygon}, {@code from}, {@code to}
     * @param point the point at fault (from 0), or -1
     */
    public record Problem(String kind, int index, String field, int point, String message) {
    }

    /** Whether written points are relative: all within 0..1 (pixel coordinates of a real polygon are not). */
    public static boolean relative(List<Point> points) {
        for (Point p : points) {
            if (!(p.x() >= 0 && p.x() <= 1 && p.y() >= 0 && p.y() <= 1)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Every problem of a camera's zones and lines.
     *
     * @param width the frame's width in pixels, 0 when not known (pixel points are then only checked for sign)
     * @param height the frame's height, 0 when not known
     */
    public static List<Problem> problems(List<ZoneOptions> zones, List<LineOptions> lines, int width, int height) {
        List<Problem> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < zones.size(); i++) {
            ZoneOptions z = zones.get(i);
            if (!names.add(z.name())) {
                out.add(new Problem("zone", i, "name", -1, "the name '" + z.name() + "' is used twice in this camera"));
            }
            polygon(out, i, z.polygon(), z.relative(), width, height);
        }
        for (int i = 0; i < lines.size(); i++) {
            LineOptions l = lines.get(i);
            if (!names.add(l.name())) {
                out.add(new Problem("line", i, "name", -1, "the name '" + l.name() + "' is used twice in this camera"));
            }
            String from = outside(l.from(), l.relative(), width, height);
            if (from != null) {
                out.add(new Problem("line", i, "from", -1, from));
            }
            String to = outside(l.to(), l.relative(), width, height);
            if (to != null) {
                out.add(new Problem("line", i, "to", -1, to));
            }
            if (l.from().equals(l.to())) {
                out.add(new Problem("line", i, "to", -1, "the line's ends are the same point"));
            }
        }
        return out;
    }

    /**
     * The problems of one zone's polygon as written, before it can be a {@link ZoneOptions} (which refuses fewer
     * than 3 points): kind {@code zone}, field {@code polygon}, index {@code zone}.
     */
    public static List<Problem> polygon(int zone, List<Point> points, boolean relative, int width, int height) {
        List<Problem> out = new ArrayList<>();
        polygon(out, zone, points, relative, width, height);
        return out;
    }

    private static void polygon(List<Problem> out, int zone, List<Point> p, boolean relative, int width, int height) {
        if (p.size() < 3) {
            out.add(new Problem("zone", zone, "polygon", -1, "a polygon needs at least 3 points, this one has " + p.size()));
            return;
        }
        for (int k = 0; k < p.size(); k++) {
            String bad = outside(p.get(k), relative, width, height);
            if (bad != null) {
                out.add(new Problem("zone", zone, "polygon", k, "point " + (k + 1) + " " + bad));
            }
        }
        int n = p.size();
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                // neighbouring edges share a point; only edges that do not may meet
                if (b == a + 1 || (a == 0 && b == n - 1)) {
                    continue;
                }
                if (cross(p.get(a), p.get((a + 1) % n), p.get(b), p.get((b + 1) % n))) {
                    out.add(new Problem("zone", zone, "polygon", -1, String.format(Locale.ROOT,
                            "the polygon crosses itself: its edge from point %d to %d meets the one from point %d to %d",
                            a + 1, (a + 1) % n + 1, b + 1, (b + 1) % n + 1)));
                    return;
                }
            }
        }
        double area = 0;
        for (int a = 0; a < n; a++) {
            Point u = p.get(a);
            Point v = p.get((a + 1) % n);
            area += u.x() * v.y() - v.x() * u.y();
        }
        if (area == 0) {
            out.add(new Problem("zone", zone, "polygon", -1, "the polygon encloses no area (its points are on one line)"));
        }
    }

    private static String outside(Point q, boolean relative, int width, int height) {
        if (!Double.isFinite(q.x()) || !Double.isFinite(q.y())) {
            return "is not a number";
        }
        if (relative) {
            return q.x() < 0 || q.x() > 1 || q.y() < 0 || q.y() > 1
                    ? String.format(Locale.ROOT, "(%s, %s) is outside the frame (0..1)", trim(q.x()), trim(q.y())) : null;
        }
        if (q.x() < 0 || q.y() < 0 || (width > 0 && q.x() > width) || (height > 0 && q.y() > height)) {
            return String.format(Locale.ROOT, "(%s, %s) is outside the frame (%s pixels)", trim(q.x()), trim(q.y()),
                    width > 0 ? "0.." + width + " x 0.." + height : "not negative");
        }
        return null;
    }

    /** Whether segments ab and cd meet (touching counts). */
    private static boolean cross(Point a, Point b, Point c, Point d) {
        double d1 = side(c, d, a);
        double d2 = side(c, d, b);
        double d3 = side(a, b, c);
        double d4 = side(a, b, d);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
            return true;
        }
        return d1 == 0 && on(c, d, a) || d2 == 0 && on(c, d, b) || d3 == 0 && on(a, b, c) || d4 == 0 && on(a, b, d);
    }

    private static double side(Point a, Point b, Point p) {
        return (b.x() - a.x()) * (p.y() - a.y()) - (b.y() - a.y()) * (p.x() - a.x());
    }

    private static boolean on(Point a, Point b, Point p) {
        return Math.min(a.x(), b.x()) <= p.x() && p.x() <= Math.max(a.x(), b.x())
                && Math.min(a.y(), b.y()) <= p.y() && p.y() <= Math.max(a.y(), b.y());
    }

    private static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
