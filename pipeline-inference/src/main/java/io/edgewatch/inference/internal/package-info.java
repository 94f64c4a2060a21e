/**
 * Not API: {@code BlockingAdapter} runs a {@code BlockingDetector} on a worker scheduler, with one
 * detector per worker thread or one shared detector whose calls are serialised. It retains the
 * frame while detecting, and {@code close()} waits for running detections. It is public only for
 * {@code Detectors}, {@code inference.onnx} and {@code inference.opencv} in this module. Other
 * modules get adapters from those factories.
 */
package io.edgewatch.inference.internal;
