package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.sink.outbox.OutboxSender;
import io.edgewatch.sink.roboflow.RoboflowOptions;

/** {@code roboflow:} Model Monitoring; reporting is off (null) without an API key. Defaults are {@link RoboflowOptions}'. */
final class RoboflowReader {

    private RoboflowReader() {
    }

    static RoboflowOptions read(Section s, String deviceId) {
        String key = s.string("api_key", null);
        String url = s.string("api_url", RoboflowOptions.DEFAULT_API_URL);
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            s.error("api_url", "expected an http:// or https:// URL, found " + Echo.quote(url));
        }
        String workspace = s.string("workspace", null);
        if (workspace != null && !workspace.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
            s.error("workspace", Echo.quote(workspace) + " is not a workspace slug (letters, digits, '_', '-')");
        }
        String source = s.string("source", RoboflowOptions.DEFAULT_SOURCE);
        String sourceInfo = s.string("source_info", RoboflowOptions.DEFAULT_SOURCE_INFO);
        boolean fireAndForget = s.bool("fire_and_forget", true);
        Duration timeout = s.duration("timeout", RoboflowOptions.DEFAULT_RESPONSE_TIMEOUT, Duration.ofMillis(100));
        Duration retryMax = s.duration("retry_max", RoboflowOptions.DEFAULT_RETRY_MAX, Duration.ofMillis(100));
        Duration probe = s.duration("probe_interval", RoboflowOptions.DEFAULT_PROBE_INTERVAL, Duration.ofMillis(100));
        int maxInFlight = s.integer("max_in_flight", OutboxSender.DEFAULT_MAX_IN_FLIGHT, 1, 64);
        s.rejectUnknownKeys();
        if (key == null) {
            return null;
        }
        Duration retryMin = retryMax.compareTo(RoboflowOptions.DEFAULT_RETRY_MIN) < 0 ? retryMax : RoboflowOptions.DEFAULT_RETRY_MIN;
        return RoboflowOptions.of(key, url, workspace, deviceId)
                .withRetry(retryMin, retryMax, probe)
                .withResponseTimeout(timeout)
                .withFireAndForget(fireAndForget)
                .withSource(source, sourceInfo)
                .withMaxInFlight(maxInFlight);
    }
}
