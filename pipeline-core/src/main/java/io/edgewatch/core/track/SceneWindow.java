package io.edgewatch.core.track;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A camera's objects, zones and lines over one window.
 *
 * @param seconds the window's length on the tracker's clock
 * @param classes per class: objects seen in the window, and objects that began (counted for the first time) in it
 * @param zones per zone, in configuration order
 * @param lines per line, in configuration order
 * @param fragments lost tracks found again in the window
 */
public record SceneWindow(double seconds, Map<String, ClassObjects> classes, List<Zone> zones, List<Line> lines,
                          long fragments) {

    public SceneWindow {
        classes = Collections.unmodifiableSortedMap(new TreeMap<>(classes));
        zones = List.copyOf(zones);
        lines = List.copyOf(lines);
    }

    /** One class's objects: {@code seen} distinct ids seen in the window, {@code begun} ids first counted in it. */
    public record ClassObjects(long seen, long begun) {
    }

    /**
     * One zone.
     *
     * @param occupancyMax the most objects in at once
     * @param occupancyMean objects in, averaged over the window's time
     * @param entries objects that came in
     * @param exits objects that left
     * @param dwell the visits that ended in the window
     * @param openVisits objects in at the window's end
     * @param openAgeMeanSeconds their visits' mean age so far, 0 when none
     * @param openAgeMaxSeconds the oldest's, 0 when none
     */
    public record Zone(String name, int occupancyMax, double occupancyMean, long entries, long exits, Dwell dwell,
                       int openVisits, double openAgeMeanSeconds, double openAgeMaxSeconds) {
    }

    /** Visit lengths in seconds: how many, mean, 95th percentile (nearest rank), longest; zeros when none. */
    public record Dwell(long count, double meanSeconds, double p95Seconds, double maxSeconds) {
        public static final Dwell NONE = new Dwell(0, 0, 0, 0);
    }

    /** One line: crossings toward its "in" side and its "out" side, by class (classes that crossed only). */
    public record Line(String name, Map<String, Long> in, Map<String, Long> out) {
        public Line {
            in = Collections.unmodifiableSortedMap(new TreeMap<>(in));
            out = Collections.unmodifiableSortedMap(new TreeMap<>(out));
        }

        public long totalIn() {
            return in.values().stream().mapToLong(Long::longValue).sum();
        }

        public long totalOut() {
            return out.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
