package io.edgewatch.daemon.config;

import io.edgewatch.sink.roboflow.VisionEventsOptions;
import io.edgewatch.sink.roboflow.VisionEventsSink.CameraEvents;

/**
 * {@code vision_events:} of edgewatch.yaml: where events go, and what every camera sends unless
 * its own {@code vision_events:} says otherwise.
 *
 * @param options the destination: key, URL, use case, device, batching and retry
 * @param defaults what a camera sends (its metadata is the camera's own)
 */
public record VisionEventsConfig(VisionEventsOptions options, CameraEvents defaults) {
}
