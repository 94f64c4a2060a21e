/**
 * Detectors not tied to one library: {@link io.edgewatch.inference.Detectors} offers the no-op
 * adapter, and wraps custom {@link io.edgewatch.inference.BlockingDetector}s into adapters.
 * A blocking detector runs on the calling thread, need not be thread-safe, and may read the pixels
 * only during the call. Its adapter runs it on a scheduler the caller supplies, which must allow
 * blocking, and retains the frame while it detects. OpenCV, ONNX and server adapters are in the
 * subpackages.
 */
package io.edgewatch.inference;
