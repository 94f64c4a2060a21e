package io.edgewatch.core.sample;

import java.util.List;

/**
 * One named way of choosing samples.
 *
 * @param name unique within the camera; sent as a tag and shown with each sample
 * @param rule what a frame must show
 * @param probability the chance a matching frame is taken (for {@code random}, its share of frames)
 * @param tags sent with each sample this strategy chooses
 * @param limits this strategy's credits
 */
public record SampleStrategy(String name, SampleRule rule, double probability, List<String> tags, SampleLimits limits) {

    public SampleStrategy {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability " + probability + " of strategy " + name + " is outside [0, 1]");
        }
        tags = List.copyOf(tags);
    }
}
