/**
 * Samples for labelling: {@link io.edgewatch.sink.samples.SampleTap} encodes the frames a camera's
 * {@link io.edgewatch.core.sample.Sampler} chooses (off the pipeline's threads) and hands each
 * {@link io.edgewatch.sink.samples.Sample} to its {@link io.edgewatch.sink.samples.SampleSink}s:
 * the bounded {@link io.edgewatch.sink.samples.SampleStore} on disk (what the status page lists),
 * a Roboflow dataset, Vision Events.
 */
package io.edgewatch.sink.samples;
