/**
 * Which inferred frames are worth labelling (active learning): {@link io.edgewatch.core.sample.SampleStrategy}
 * is one named rule with its probability, tags and credits; {@link io.edgewatch.core.sample.Sampler}
 * tries a camera's strategies in order and the first that matches with credit left wins. Deciding
 * reads only the result's predictions: no pixels are touched unless a frame is chosen.
 */
package io.edgewatch.core.sample;
