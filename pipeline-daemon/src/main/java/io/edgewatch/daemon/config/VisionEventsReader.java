package io.edgewatch.daemon.config;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.edgewatch.sink.roboflow.VisionEventsOptions;
import io.edgewatch.sink.roboflow.VisionEventsSink;
import io.edgewatch.sink.roboflow.VisionEventsSink.CameraEvents;

/**
 * {@code vision_events:} in edgewatch.yaml (the destination and every camera's defaults) and in a
 * camera file (that camera's overrides). Off (null) without {@code api_key}, as Model Monitoring is.
 * A camera's metadata becomes each event's {@code customMetadata}: what Vision Events would refuse
 * (a key of other characters, more keys than fit beside edgewatch's own, a value over 1000
 * characters, a key edgewatch sets) is reported here, not dropped when sending.
 */
final class VisionEventsReader {

    /** The event types a camera's windows and samples may have; alerts are always {@code safety_alert}. */
    static final List<String> CAMERA_TYPES = List.of("custom", "quality_check");
    /** Keys edgewatch sets in {@code customMetadata} itself, beside the camera's. */
    static final List<String> OWN_KEYS = List.of("model", "window_start", "frames_seen", "frames_inferred", "inference_errors",
            "strategy", "sample", "firing", "baseline", "current", "classes omitted");
    /** Keys a window's event keeps for itself (its model, counts and best class) out of Vision Events' 100. */
    static final int RESERVED_KEYS = 10;

    private VisionEventsReader() {
    }

    static VisionEventsConfig read(Section s, String deviceId, String roboflowUrl) {
        String key = s.string("api_key", null);
        String url = s.string("api_url", roboflowUrl != null ? roboflowUrl : RoboflowOptions.DEFAULT_API_URL);
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            s.error("api_url", "expected an http:// or https:// URL, found " + Echo.quote(url));
        }
        String useCaseId = s.string("use_case_id", null);
        String useCase = s.string("use_case", null);
        if (useCaseId != null && useCaseId.length() > 256) {
            s.error("use_case_id", "a use case id has at most 256 characters, this one " + useCaseId.length());
        }
        if (useCase != null && useCase.isBlank()) {
            s.error("use_case", "needs a name");
            useCase = null;
        }
        Duration timeout = s.duration("timeout", RoboflowOptions.DEFAULT_RESPONSE_TIMEOUT, Duration.ofMillis(100));
        Duration retryMax = s.duration("retry_max", RoboflowOptions.DEFAULT_RETRY_MAX, Duration.ofMillis(100));
        Duration probe = s.duration("probe_interval", RoboflowOptions.DEFAULT_PROBE_INTERVAL, Duration.ofMillis(100));
        int maxBatch = s.integer("max_batch", VisionEventsOptions.MAX_BATCH, 1, VisionEventsOptions.MAX_BATCH);
        Duration linger = s.duration("linger", VisionEventsOptions.DEFAULT_LINGER, Duration.ZERO);
        CameraEvents defaults = camera(s, CameraEvents.DEFAULTS, Map.of());
        if (key != null && (useCaseId == null) == (useCase == null)) {
            s.error(useCaseId == null ? "use_case" : "use_case_id", useCaseId == null
                    ? "events need a use case: use_case (a name, looked up and made when missing) or use_case_id"
                    : "use_case and use_case_id both set: keep one");
        }
        s.rejectUnknownKeys();
        if (key == null || (useCaseId == null) == (useCase == null)) {
            return null;
        }
        Duration retryMin = retryMax.compareTo(RoboflowOptions.DEFAULT_RETRY_MIN) < 0 ? retryMax : RoboflowOptions.DEFAULT_RETRY_MIN;
        VisionEventsOptions o = VisionEventsOptions.of(key, url, useCaseId, useCase, deviceId)
                .withRetry(retryMin, retryMax, probe)
                .withResponseTimeout(timeout)
                .withBatching(maxBatch, linger);
        return new VisionEventsConfig(o, defaults);
    }

    /** The keys a camera may set, over {@code base}; {@code metadata} is the camera's. */
    static CameraEvents camera(Section s, CameraEvents base, Map<String, String> metadata) {
        String type = s.oneOf("event_type", base.eventType(), CAMERA_TYPES);
        List<String> fail = s.stringList("fail_classes", List.copyOf(base.failClasses()));
        if (s.has("fail_classes") && !"quality_check".equals(type == null ? base.eventType() : type)) {
            s.error("fail_classes", "fail_classes decide a quality_check's result: set event_type: quality_check, or drop them");
        }
        boolean windows = s.bool("windows", base.windows());
        boolean samples = s.bool("samples", base.samples());
        boolean alerts = s.bool("alerts", base.alerts());
        Duration cooldown = s.duration("cooldown", base.cooldown(), Duration.ZERO);
        return new CameraEvents(type == null ? base.eventType() : type, windows, samples, alerts, cooldown,
                new LinkedHashSet<>(fail), metadata);
    }

    /** A camera file's {@code vision_events:} over the daemon's, with its metadata checked against Vision Events' limits. */
    static CameraEvents camera(Section camera, VisionEventsConfig config, Map<String, String> metadata) {
        Section own = camera.section("vision_events");
        CameraEvents c = camera(own, config.defaults(), metadata);
        own.rejectUnknownKeys();
        Section m = camera.section("metadata");
        int room = VisionEventsSink.MAX_METADATA_KEYS - RESERVED_KEYS;
        int n = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            n++;
            String k = e.getKey();
            if (!VisionEventsSink.METADATA_KEY.matcher(k).matches()) {
                m.error(k, "Vision Events refuses this key: keys have 1 to 100 letters, digits, '_', '-' or spaces");
            } else if (OWN_KEYS.contains(k) || k.startsWith("count ") || k.startsWith("best ")) {
                m.error(k, "edgewatch sets '" + k + "' in every Vision Events event itself: rename it");
            }
            if (e.getValue().length() > VisionEventsSink.MAX_STRING) {
                m.error(k, "Vision Events keeps values of at most " + VisionEventsSink.MAX_STRING + " characters; this one has "
                        + e.getValue().length());
            }
            if (n == room + 1) {
                m.error(k, "Vision Events takes " + VisionEventsSink.MAX_METADATA_KEYS + " metadata keys and edgewatch needs "
                        + RESERVED_KEYS + " of them: at most " + room + " camera keys, this is key " + n + " of " + metadata.size());
            }
        }
        return c;
    }
}
