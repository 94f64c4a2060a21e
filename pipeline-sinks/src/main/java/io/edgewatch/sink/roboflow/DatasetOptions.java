package io.edgewatch.sink.roboflow;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import io.edgewatch.core.secret.ApiKeys;
import io.edgewatch.core.secret.Secret;

/**
 * Where samples go in Roboflow: a dataset (project) of the key's workspace.
 *
 * @param apiKey the API key (never printed)
 * @param apiUrl base URL, {@code https://api.roboflow.com} by default
 * @param project the project's slug (the workspace comes from the key)
 * @param batchPrefix the labelling batch's name, or its prefix when {@code recreation} dates it
 * @param recreation how often a new batch is started
 * @param tags sent with every sample, before the strategy's and the camera's
 * @param responseTimeout how long one request may take
 * @param retryMin first retry delay
 * @param retryMax retry delay cap
 * @param probeInterval how often a stopped destination (bad key, no such project) is tried again
 */
public record DatasetOptions(Secret apiKey, String apiUrl, String project, String batchPrefix, Recreation recreation,
                             List<String> tags, Duration responseTimeout, Duration retryMin, Duration retryMax,
                             Duration probeInterval) {

    public static final String DEFAULT_BATCH_PREFIX = "edgewatch";

    /** How often a new labelling batch starts (the reference's {@code recreation_interval}). */
    public enum Recreation {
        NEVER, DAILY, WEEKLY, MONTHLY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DatasetOptions {
        Objects.requireNonNull(apiKey, "apiKey");
        apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        tags = List.copyOf(tags);
    }

    /** Defaults for everything but the key, the URL and the project. */
    public static DatasetOptions of(String apiKey, String apiUrl, String project) {
        return new DatasetOptions(Secret.of(apiKey), apiUrl, project, DEFAULT_BATCH_PREFIX, Recreation.NEVER, List.of(),
                RoboflowOptions.DEFAULT_RESPONSE_TIMEOUT, RoboflowOptions.DEFAULT_RETRY_MIN, RoboflowOptions.DEFAULT_RETRY_MAX,
                RoboflowOptions.DEFAULT_PROBE_INTERVAL);
    }

    public DatasetOptions withRetry(Duration min, Duration max, Duration probe) {
        return new DatasetOptions(apiKey, apiUrl, project, batchPrefix, recreation, tags, responseTimeout, min, max, probe);
    }

    public DatasetOptions withBatch(String prefix, Recreation every) {
        return new DatasetOptions(apiKey, apiUrl, project, prefix, every, tags, responseTimeout, retryMin, retryMax, probeInterval);
    }

    /**
     * The batch a sample of {@code day} (local date) goes to: the prefix alone, or
     * {@code prefix_YYYY_MM_DD} of that day, of that week's Monday, or of the 1st of that month.
     */
    public String batchName(LocalDate day) {
        LocalDate d = switch (recreation) {
            case NEVER -> null;
            case DAILY -> day;
            case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTHLY -> day.withDayOfMonth(1);
        };
        return d == null ? batchPrefix : String.format(Locale.ROOT, "%s_%04d_%02d_%02d", batchPrefix, d.getYear(),
                d.getMonthValue(), d.getDayOfMonth());
    }

    @Override
    public String toString() {
        return "DatasetOptions[apiKey=" + ApiKeys.mask(apiKey.reveal()) + ", apiUrl=" + apiUrl + ", project=" + project + "]";
    }
}
