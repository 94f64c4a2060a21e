package io.edgewatch.daemon.config;

import java.util.List;

import io.edgewatch.core.sample.SampleLimits;
import io.edgewatch.core.sample.SampleStrategy;
import io.edgewatch.sink.roboflow.DatasetOptions;
import io.edgewatch.sink.samples.SampleImage;

/**
 * A camera's {@code samples:}: which frames are kept for labelling, how they are encoded, and the
 * Roboflow dataset they go to.
 *
 * @param strategies tried in order; the first that matches with credit wins
 * @param limits the camera's credits over all its strategies
 * @param image JPEG quality and largest size
 * @param project the Roboflow project's slug, or null to keep samples on the box only
 * @param batchPrefix the labelling batch's name or prefix
 * @param recreation how often a new batch starts
 * @param tags sent with every sample of the camera
 */
public record SamplesConfig(List<SampleStrategy> strategies, SampleLimits limits, SampleImage image, String project,
                            String batchPrefix, DatasetOptions.Recreation recreation, List<String> tags) {

    public SamplesConfig {
        strategies = List.copyOf(strategies);
        tags = List.copyOf(tags);
    }
}
