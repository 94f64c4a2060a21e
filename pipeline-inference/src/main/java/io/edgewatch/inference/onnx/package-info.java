/**
 * YOLO-family detectors in ONNX Runtime. An {@link io.edgewatch.inference.onnx.OnnxModel} loads one
 * session, once. The session is thread-safe and shared by every adapter made from the model; adapters
 * run on a worker scheduler that may block, each worker with its own buffers. Closing an adapter
 * leaves the model open: whoever loaded it closes it. A model that cannot be loaded or used throws
 * {@code IllegalArgumentException} naming the file. An output that does not fit the layout and
 * names is a {@code MALFORMED} {@code InferenceException}; a runtime failure is {@code INTERNAL}.
 */
package io.edgewatch.inference.onnx;
