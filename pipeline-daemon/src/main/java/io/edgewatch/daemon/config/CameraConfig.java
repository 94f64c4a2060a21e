package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.sink.roboflow.VisionEventsSink.CameraEvents;

/**
 * One camera file, validated.
 *
 * @param file where it was read from
 * @param id unique camera id
 * @param enabled whether {@code run} starts it
 * @param source what to read, with how it reconnects when it is live
 * @param inference what to run on it
 * @param frequency how often a window closes (whole seconds, at least 1)
 * @param metadata custom metadata, as written
 * @param sinks names of the daemon's sinks this camera reports to
 * @param alerts when its alerts fire ({@code alerts}, over edgewatch.yaml's)
 * @param samples which frames it keeps for labelling ({@code samples}), or null for none
 * @param visionEvents what it sends to Vision Events, or null when it sends nothing there (off, or not among its sinks)
 * @param tracking its tracker, zones and lines ({@code tracking}, {@code zones}, {@code lines}), or null for none
 */
public record CameraConfig(Path file, String id, boolean enabled, SourceConfig source, InferenceConfig inference,
                           Duration frequency, Map<String, String> metadata, List<String> sinks, AlertOptions alerts,
                           SamplesConfig samples, CameraEvents visionEvents, TrackingConfig tracking) {

    /** {@code aggregation.frequency} when not set, in seconds. */
    public static final int DEFAULT_FREQUENCY = 5;
    static final List<String> SINK_NAMES = List.of("jsonl", "roboflow", "vision_events", BrokerReader.MQTT, BrokerReader.KAFKA);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /**
     * A camera file.
     *
     * @param sinkNames the sinks the daemon has (a camera names some of them, all by default)
     * @param workers {@code inference.workers}
     * @param alertDefaults the daemon's {@code alerts:}
     * @param visionEvents the daemon's {@code vision_events:}, or null when off
     */
    static CameraConfig read(Section s, List<String> sinkNames, int workers, AlertOptions alertDefaults,
                             VisionEventsConfig visionEvents) {
        String id = s.requiredString("id");
        if (id != null && !ID.matcher(id).matches()) {
            s.error("id", Echo.quote(id) + " is not a valid camera id (letters, digits, '_', '-', '.', at most 64, starting with a letter or digit)");
        }
        boolean enabled = s.bool("enabled", true);
        SourceConfig source = SourceReader.read(s.section("source"), enabled);
        InferenceConfig inference = InferenceConfig.read(s.section("inference"), workers, enabled);
        Section aggregation = s.section("aggregation");
        int frequency = aggregation.integer("frequency", DEFAULT_FREQUENCY, 1, 86_400);
        aggregation.rejectUnknownKeys();
        AlertOptions alerts = AlertsReader.read(s.section("alerts"), alertDefaults);
        Map<String, String> metadata = s.stringMap("metadata");
        SamplesConfig samples = s.has("samples") ? SamplesReader.read(s.section("samples"), sinkNames.contains("roboflow")) : null;
        List<String> sinks = s.stringList("sinks", sinkNames);
        for (String sink : sinks) {
            if (!SINK_NAMES.contains(sink)) {
                s.error("sinks", "unknown sink '" + sink + "'; sinks: " + String.join(", ", SINK_NAMES));
            }
        }
        // a sink that is not configured (roboflow with no API key) is skipped, not an error
        sinks = sinks.stream().filter(sinkNames::contains).toList();
        CameraEvents events = null;
        if (visionEvents != null && sinks.contains("vision_events")) {
            events = VisionEventsReader.camera(s, visionEvents, metadata);
        } else if (s.has("vision_events")) {
            // checked all the same, so a typo is found before the key is set
            Section own = s.section("vision_events");
            VisionEventsReader.camera(own, CameraEvents.DEFAULTS, Map.of());
            own.rejectUnknownKeys();
        }
        TrackingConfig tracking = s.has("tracking") || s.has("zones") || s.has("lines") ? TrackingReader.read(s) : null;
        s.rejectUnknownKeys();
        return new CameraConfig(s.file(), id, enabled, source, inference, Duration.ofSeconds(frequency), metadata, sinks, alerts,
                samples, events, tracking);
    }
}
