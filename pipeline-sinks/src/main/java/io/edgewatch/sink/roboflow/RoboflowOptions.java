package io.edgewatch.sink.roboflow;

import java.time.Duration;
import java.util.Objects;

import io.edgewatch.core.Version;
import io.edgewatch.core.secret.ApiKeys;
import io.edgewatch.core.secret.Secret;
import io.edgewatch.sink.outbox.OutboxSender;

/**
 * How edgewatch reports to Roboflow Model Monitoring.
 *
 * @param apiKey the API key (never printed; see {@link ApiKeys})
 * @param apiUrl base URL, {@code https://api.roboflow.com} by default
 * @param workspace the workspace slug, or null to look it up from the key
 * @param source the report's {@code source}
 * @param sourceInfo the report's {@code source_info}
 * @param deviceId the report's {@code device_id}, or null
 * @param fireAndForget true: send results are logged only when they change; false: each one is logged
 * @param responseTimeout how long one request may take
 * @param retryMin first retry delay
 * @param retryMax retry delay cap
 * @param probeInterval how often a stopped destination (bad key, no credits) is tried again
 * @param version sent as {@code inference_server_version} and {@code X-Roboflow-Inference-Version}
 * @param maxInFlight requests in flight at once, over all cameras (never two of one camera)
 */
public record RoboflowOptions(Secret apiKey, String apiUrl, String workspace, String source, String sourceInfo,
                              String deviceId, boolean fireAndForget, Duration responseTimeout, Duration retryMin,
                              Duration retryMax, Duration probeInterval, String version, int maxInFlight) {

    public static final String DEFAULT_API_URL = "https://api.roboflow.com";
    public static final String DEFAULT_SOURCE = "workflow";
    public static final String DEFAULT_SOURCE_INFO = "ModelMonitoringInferenceAggregatorBlockV1";
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETRY_MIN = Duration.ofMillis(500);
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(60);
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(60);

    public RoboflowOptions {
        Objects.requireNonNull(apiKey, "apiKey");
        apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
    }

    /** Defaults for everything but the key, the URL, the workspace and the device. */
    public static RoboflowOptions of(String apiKey, String apiUrl, String workspace, String deviceId) {
        return new RoboflowOptions(Secret.of(apiKey), apiUrl, workspace, DEFAULT_SOURCE, DEFAULT_SOURCE_INFO, deviceId, true,
                DEFAULT_RESPONSE_TIMEOUT, DEFAULT_RETRY_MIN, DEFAULT_RETRY_MAX, DEFAULT_PROBE_INTERVAL, VERSION,
                OutboxSender.DEFAULT_MAX_IN_FLIGHT);
    }

    /** This daemon as an inference server version: what reports and the local statistics name it. */
    public static final String VERSION = Version.INFERENCE_SERVER;

    public RoboflowOptions withRetry(Duration min, Duration max, Duration probe) {
        return new RoboflowOptions(apiKey, apiUrl, workspace, source, sourceInfo, deviceId, fireAndForget,
                responseTimeout, min, max, probe, version, maxInFlight);
    }

    public RoboflowOptions withResponseTimeout(Duration timeout) {
        return new RoboflowOptions(apiKey, apiUrl, workspace, source, sourceInfo, deviceId, fireAndForget,
                timeout, retryMin, retryMax, probeInterval, version, maxInFlight);
    }

    public RoboflowOptions withSource(String source, String sourceInfo) {
        return new RoboflowOptions(apiKey, apiUrl, workspace, source, sourceInfo, deviceId, fireAndForget,
                responseTimeout, retryMin, retryMax, probeInterval, version, maxInFlight);
    }

    public RoboflowOptions withFireAndForget(boolean value) {
        return new RoboflowOptions(apiKey, apiUrl, workspace, source, sourceInfo, deviceId, value,
                responseTimeout, retryMin, retryMax, probeInterval, version, maxInFlight);
    }

    /** Requests in flight at once (over all cameras; never two of one camera), and the connections kept for them. */
    public RoboflowOptions withMaxInFlight(int value) {
        return new RoboflowOptions(apiKey, apiUrl, workspace, source, sourceInfo, deviceId, fireAndForget,
                responseTimeout, retryMin, retryMax, probeInterval, version, value);
    }

    @Override
    public String toString() {
        return "RoboflowOptions[apiKey=" + ApiKeys.mask(apiKey.reveal()) + ", apiUrl=" + apiUrl + ", workspace=" + workspace + "]";
    }
}
