package io.edgewatch.daemon.config;

import java.util.List;

import io.edgewatch.core.track.LineOptions;
import io.edgewatch.core.track.TrackerOptions;
import io.edgewatch.core.track.ZoneOptions;

/**
 * A camera file's {@code tracking:}, {@code zones:} and {@code lines:}, validated (not yet run: the
 * window report does not carry objects yet).
 *
 * @param tracker how detections become tracks
 * @param zones in the order written
 * @param lines in the order written
 */
public record TrackingConfig(TrackerOptions tracker, List<ZoneOptions> zones, List<LineOptions> lines) {

    public TrackingConfig {
        zones = List.copyOf(zones);
        lines = List.copyOf(lines);
    }
}
