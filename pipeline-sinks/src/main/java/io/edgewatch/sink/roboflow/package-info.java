/**
 * Reporting to Roboflow Model Monitoring. {@link io.edgewatch.sink.roboflow.RoboflowSink} commits
 * each window's report and metadata bodies ({@code RoboflowBodies}) to the outbox on a thread of its
 * own, and completes once they are committed, so the pipeline never waits for the network.
 * {@link io.edgewatch.sink.roboflow.RoboflowClient} delivers them over Reactor Netty. Failures are
 * {@code RoboflowException}s, in the reference's words. The API key is never printed: logs mask it
 * and messages redact it.
 */
package io.edgewatch.sink.roboflow;
