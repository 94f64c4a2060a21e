package io.edgewatch.daemon.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

import io.edgewatch.core.track.Anchor;
import io.edgewatch.core.track.LineOptions;
import io.edgewatch.core.track.Point;
import io.edgewatch.core.track.SceneGeometry;
import io.edgewatch.core.track.TrackerOptions;
import io.edgewatch.core.track.ZoneOptions;

/**
 * A camera file's {@code tracking:}, {@code zones:} and {@code lines:} (issue 29). Points are in 0..1 of the
 * frame when every coordinate of a polygon (or both ends of a line) is, else pixels. A polygon with fewer than
 * 3 points, one that crosses itself or encloses nothing, a point outside the frame, and a name used twice among
 * the camera's zones and lines are errors at their line and column. Zones and lines need tracking on.
 */
final class TrackingReader {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final List<String> ANCHORS = Arrays.stream(Anchor.values()).map(Anchor::label).toList();

    private TrackingReader() {
    }

    /** The camera's tracking, or null when it has none ({@code tracking:} missing or {@code enabled: false}). */
    static TrackingConfig read(Section camera) {
        boolean written = camera.has("tracking");
        Section t = camera.section("tracking");
        boolean enabled = t.bool("enabled", true);
        double activation = t.number("activation", TrackerOptions.DEFAULT_ACTIVATION, TrackerOptions.LOW_FLOOR, 1);
        double matchIou = t.number("match_iou", TrackerOptions.DEFAULT_MATCH_IOU, 0.01, 0.99);
        Duration lostAfter = t.duration("lost_after", TrackerOptions.DEFAULT_LOST_AFTER, Duration.ZERO);
        int minFrames = t.integer("min_frames", TrackerOptions.DEFAULT_MIN_FRAMES, 1, 1000);
        t.rejectUnknownKeys();
        List<Section> zoneSections = camera.sections("zones");
        List<Section> lineSections = camera.sections("lines");
        List<ZoneOptions> zones = new ArrayList<>();
        List<Section> zonesRead = new ArrayList<>();
        for (int i = 0; i < zoneSections.size(); i++) {
            ZoneOptions z = zone(zoneSections.get(i), i);
            if (z != null) {
                zones.add(z);
                zonesRead.add(zoneSections.get(i));
            }
        }
        List<LineOptions> lines = new ArrayList<>();
        List<Section> linesRead = new ArrayList<>();
        for (Section l : lineSections) {
            LineOptions line = line(l);
            if (line != null) {
                lines.add(line);
                linesRead.add(l);
            }
        }
        for (SceneGeometry.Problem p : SceneGeometry.problems(zones, lines, 0, 0)) {
            Section at = (p.kind().equals("zone") ? zonesRead : linesRead).get(p.index());
            at.error(p.field(), p.message());
        }
        if ((!zoneSections.isEmpty() || !lineSections.isEmpty()) && (!written || !enabled)) {
            camera.error(zoneSections.isEmpty() ? "lines" : "zones", "zones and lines count tracked objects: set tracking.enabled: true");
        }
        if (!written || !enabled) {
            return null;
        }
        TrackerOptions options = activation >= TrackerOptions.LOW_FLOOR && matchIou > 0 && matchIou < 1 && minFrames >= 1
                && !lostAfter.isNegative() ? new TrackerOptions(activation, matchIou, lostAfter, minFrames) : TrackerOptions.defaults();
        return new TrackingConfig(options, zones, lines);
    }

    private static String name(Section s) {
        String name = s.requiredString("name");
        if (name != null && !NAME.matcher(name).matches()) {
            s.error("name", Echo.quote(name) + " is not a zone or line name (letters, digits, '_', '-', '.', at most 64)");
            return null;
        }
        return name;
    }

    private static Anchor anchor(Section s) {
        String a = s.oneOf("anchor", Anchor.BOTTOM_CENTER.label(), ANCHORS);
        Anchor anchor = a == null ? null : Anchor.ofLabel(a);
        return anchor == null ? Anchor.BOTTOM_CENTER : anchor;
    }

    private static ZoneOptions zone(Section s, int index) {
        String name = name(s);
        if (!s.has("polygon")) {
            s.error("polygon", "a zone needs a polygon: [[x, y], ...], in 0..1 of the frame or in pixels");
        }
        List<double[]> written = s.points("polygon");
        List<Point> polygon = written.stream().map(p -> new Point(p[0], p[1])).toList();
        List<String> classes = s.stringList("classes", List.of());
        Anchor anchor = anchor(s);
        int inertia = s.integer("inertia", ZoneOptions.DEFAULT_INERTIA, 1, 1000);
        Duration loiter = s.duration("loiter", Duration.ZERO, Duration.ZERO);
        int crowd = s.integer("crowd", 0, 0, 1_000_000);
        s.rejectUnknownKeys();
        boolean relative = SceneGeometry.relative(polygon);
        List<SceneGeometry.Problem> problems = SceneGeometry.polygon(index, polygon, relative, 0, 0);
        for (SceneGeometry.Problem p : problems) {
            if (p.point() >= 0) {
                double[] at = written.get(p.point());
                s.errorAt("polygon", (int) at[2], (int) at[3], p.message());
            } else {
                s.error("polygon", p.message());
            }
        }
        if (name == null || !problems.isEmpty() || !s.has("polygon")) {
            return null;
        }
        return new ZoneOptions(name, polygon, relative, new LinkedHashSet<>(classes), anchor, inertia, loiter, crowd);
    }

    private static LineOptions line(Section s) {
        String name = name(s);
        if (!s.has("from")) {
            s.error("from", "a line needs from: [x, y]");
        }
        if (!s.has("to")) {
            s.error("to", "a line needs to: [x, y]");
        }
        double[] from = s.point("from");
        double[] to = s.point("to");
        List<String> classes = s.stringList("classes", List.of());
        Anchor anchor = anchor(s);
        s.rejectUnknownKeys();
        if (name == null || from == null || to == null) {
            return null;
        }
        Point a = new Point(from[0], from[1]);
        Point b = new Point(to[0], to[1]);
        if (a.equals(b)) {
            s.error("to", "the line's ends are the same point");
            return null;
        }
        return new LineOptions(name, a, b, SceneGeometry.relative(List.of(a, b)), new LinkedHashSet<>(classes), anchor);
    }
}
