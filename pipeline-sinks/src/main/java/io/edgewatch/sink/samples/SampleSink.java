package io.edgewatch.sink.samples;

/** Takes a chosen, encoded sample; called on the sample encoder's thread (it may write to disk, never to the network). */
@FunctionalInterface
public interface SampleSink {

    void accept(Sample sample, byte[] jpeg);
}
