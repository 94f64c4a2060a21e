package io.edgewatch.sink.samples;

import java.time.Instant;

/** Gives a sample's credits back to its camera's sampler (a destination that already had it); nothing if the camera has gone. */
@FunctionalInterface
public interface SampleCredits {

    SampleCredits NONE = (camera, strategy, at) -> {
    };

    void giveBack(String cameraId, String strategy, Instant at);
}
