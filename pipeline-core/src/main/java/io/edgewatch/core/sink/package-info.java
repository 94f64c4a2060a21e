/**
 * The contract for where window reports go. {@link io.edgewatch.core.sink.ReportSink#write}
 * completes once the report is accepted (written, or committed to a durable queue). It never blocks
 * the caller's thread, keeps the order reports are given in, and signals a failure as an error that
 * names the destination. {@code close()} is idempotent. Implementations live in pipeline-sinks.
 */
package io.edgewatch.core.sink;
