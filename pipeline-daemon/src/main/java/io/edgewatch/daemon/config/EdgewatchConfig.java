package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.util.List;

import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.edgewatch.sink.webhook.WebhookOptions;

/**
 * The whole configuration, validated: {@code edgewatch.yaml} and every camera file.
 *
 * @param directory the configuration folder
 * @param deviceId this box's id in reports, or null
 * @param storagePath where state that must survive a restart lives
 * @param workers inference worker threads shared by all cameras
 * @param opencvThreads threads OpenCV may use inside one call (1: parallelism comes from frames)
 * @param outboxMaxEntries how many requests the outbox keeps at most before evicting the oldest
 * @param healthHistory how long window figures are kept for the local statistics
 * @param jsonl the JSONL sink, or null when off
 * @param roboflow Roboflow Model Monitoring, or null when off (no API key)
 * @param alertSustain the daemon-wide {@code alerts.sustain}: how long the daemon's own alerts (delivery stopped)
 *                     must be gone before they clear
 * @param cameras every camera file, enabled or not, sorted by file name
 */
public record EdgewatchConfig(Path directory, String deviceId, Path storagePath, int workers, int opencvThreads,
                              int serverMaxInFlight, int onnxThreads,
                              long outboxMaxEntries, java.time.Duration healthHistory, JsonlConfig jsonl, RoboflowOptions roboflow, HealthConfig health,
                              WebhookOptions alertWebhook, java.time.Duration alertSustain,
                              List<CameraConfig> cameras) {

    /**
     * The {@code health} section: the local endpoint; null when {@code enabled: false}.
     *
     * @param token the bearer token every request must carry, or null (allowed on loopback only)
     */
    public record HealthConfig(String host, int port, String token) {
        @Override
        public String toString() {
            return "HealthConfig[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "***") + "]";
        }
    }

    /** {@code alerts.webhook}: where alerts are POSTed; the token is never printed. */
    public record WebhookConfig(String url, String token, java.time.Duration timeout) {
        @Override
        public String toString() {
            return "WebhookConfig[url=" + url + ", token=" + (token == null ? "none" : "***") + ", timeout=" + timeout + "]";
        }
    }

    /** The {@code sinks.jsonl} section. */
    public record JsonlConfig(Path path) {
    }

    public List<CameraConfig> enabledCameras() {
        return cameras.stream().filter(CameraConfig::enabled).toList();
    }
}
