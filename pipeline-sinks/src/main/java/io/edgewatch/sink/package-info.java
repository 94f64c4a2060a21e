/**
 * Report sinks. This package holds {@link io.edgewatch.sink.JsonlSink}, which appends one JSON line
 * per report to a file and flushes after every line. Its writes run, in call order, on a single
 * thread of the sink's own, so the caller never touches the disk. Failures are
 * {@code UncheckedIOException}s naming the file, and writes after {@code close()} fail. Network
 * destinations and the durable outbox they share are in the subpackages.
 */
package io.edgewatch.sink;
