package io.edgewatch.sink.roboflow;

import java.time.Duration;
import java.util.Objects;

import io.edgewatch.core.secret.ApiKeys;
import io.edgewatch.core.secret.Secret;

/**
 * Where the box's events go: Roboflow Vision Events ({@code {apiUrl}/vision-events}, Bearer
 * authentication; the workspace comes from the key).
 *
 * @param apiKey sent as {@code Authorization: Bearer}, never in a query (never printed)
 * @param apiUrl base URL, {@code https://api.roboflow.com} by default
 * @param useCaseId the use case's id, or null to look {@code useCaseName} up (and create it when missing) once
 * @param useCaseName the use case's name, when no id is given
 * @param deviceId every event's {@code deviceId}
 * @param responseTimeout how long one request may take
 * @param retryMin first retry delay
 * @param retryMax retry delay cap
 * @param probeInterval how often a stopped destination (bad key, missing scope) is tried again
 * @param maxBatch events of windows and alerts committed (and sent) together at most (Vision Events takes 100)
 * @param linger how long a window's event may wait for others to share its request
 */
public record VisionEventsOptions(Secret apiKey, String apiUrl, String useCaseId, String useCaseName, String deviceId,
                                  Duration responseTimeout, Duration retryMin, Duration retryMax, Duration probeInterval,
                                  int maxBatch, Duration linger) {

    /** Events in one {@code POST /vision-events/batch} at most. */
    public static final int MAX_BATCH = 100;
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);

    public VisionEventsOptions {
        Objects.requireNonNull(apiKey, "apiKey");
        apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        if (maxBatch < 1 || maxBatch > MAX_BATCH) {
            throw new IllegalArgumentException("a batch holds 1 to " + MAX_BATCH + " events, not " + maxBatch);
        }
        if ((useCaseId == null) == (useCaseName == null)) {
            throw new IllegalArgumentException("a use case by id or by name, one of them");
        }
    }

    /** Defaults for everything but the key, the URL, the use case and the device. */
    public static VisionEventsOptions of(String apiKey, String apiUrl, String useCaseId, String useCaseName, String deviceId) {
        return new VisionEventsOptions(Secret.of(apiKey), apiUrl, useCaseId, useCaseName, deviceId,
                RoboflowOptions.DEFAULT_RESPONSE_TIMEOUT, RoboflowOptions.DEFAULT_RETRY_MIN, RoboflowOptions.DEFAULT_RETRY_MAX,
                RoboflowOptions.DEFAULT_PROBE_INTERVAL, MAX_BATCH, DEFAULT_LINGER);
    }

    public VisionEventsOptions withRetry(Duration min, Duration max, Duration probe) {
        return new VisionEventsOptions(apiKey, apiUrl, useCaseId, useCaseName, deviceId, responseTimeout, min, max, probe, maxBatch,
                linger);
    }

    public VisionEventsOptions withBatching(int max, Duration wait) {
        return new VisionEventsOptions(apiKey, apiUrl, useCaseId, useCaseName, deviceId, responseTimeout, retryMin, retryMax,
                probeInterval, max, wait);
    }

    public VisionEventsOptions withResponseTimeout(Duration timeout) {
        return new VisionEventsOptions(apiKey, apiUrl, useCaseId, useCaseName, deviceId, timeout, retryMin, retryMax,
                probeInterval, maxBatch, linger);
    }

    @Override
    public String toString() {
        return "VisionEventsOptions[apiKey=" + ApiKeys.mask(apiKey.reveal()) + ", apiUrl=" + apiUrl + ", useCase="
                + (useCaseId != null ? useCaseId : "'" + useCaseName + "'") + "]";
    }
}
