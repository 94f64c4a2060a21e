/**
 * Models on a Roboflow Inference Server. One {@link io.edgewatch.inference.server.InferenceServerClient}
 * per server is shared by every camera, and its connection pool bounds the requests in flight.
 * {@code adapter(...)} gives a camera its adapter (package-private), configured by
 * {@link io.edgewatch.inference.server.InferenceServerOptions}. JPEG encoding runs on the encoder
 * scheduler, with the frame retained only while encoding; the network I/O does not block. Every
 * failure is an {@code InferenceException} whose kind classifies it and whose message names the URL,
 * never the API key.
 */
package io.edgewatch.inference.server;
