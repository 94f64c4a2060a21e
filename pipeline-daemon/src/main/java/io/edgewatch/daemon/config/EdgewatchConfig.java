package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.edgewatch.sink.webhook.WebhookOptions;

/**
 * The whole configuration, validated: {@code edgewatch.yaml} and every camera file.
 *
 * @param directory the configuration folder
 * @param deviceId this box's id in reports, or null
 * @param storage what must survive a restart, and where
 * @param inference the inference resources every camera shares
 * @param jsonl the JSONL sink, or null when off
 * @param roboflow Roboflow Model Monitoring, or null when off (no API key)
 * @param visionEvents Roboflow Vision Events, or null when off (no API key)
 * @param health the local endpoint, or null when off
 * @param alertWebhook where alerts are POSTed, or null
 * @param alertSustain the daemon-wide {@code alerts.sustain}: how long the daemon's own alerts (delivery stopped)
 *                     must be gone before they clear
 * @param cameras every camera file, enabled or not, sorted by file name
 * @param logFormat {@code logging.format}
 * @param camerasDir the camera folder ({@code cameras_dir}), watched for changes while running
 * @param brokers the broker destinations ({@code mqtt:}, {@code kafka:}) by sink name, empty when none
 */
public record EdgewatchConfig(Path directory, String deviceId, StorageConfig storage, InferencePool inference, JsonlConfig jsonl,
                              RoboflowOptions roboflow, VisionEventsConfig visionEvents, HealthConfig health, WebhookOptions alertWebhook, Duration alertSustain,
                              List<CameraConfig> cameras, String logFormat, Path camerasDir,
                              Map<String, BrokerDestination> brokers) {

    /** {@code logging.format} when not set. */
    public static final String DEFAULT_LOG_FORMAT = "text";

    public EdgewatchConfig {
        brokers = Collections.unmodifiableMap(new LinkedHashMap<>(brokers));
    }

    public List<CameraConfig> enabledCameras() {
        return cameras.stream().filter(CameraConfig::enabled).toList();
    }
}
