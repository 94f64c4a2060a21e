package io.edgewatch.core.sink;

import io.edgewatch.core.aggregate.WindowReport;
import reactor.core.publisher.Mono;

/**
 * Where window reports go. {@link #write} completes once the report is accepted (written, or
 * committed to a durable queue); it never blocks the caller's thread, and a failure is signalled
 * as an error naming the destination. Reports are written in the order they are given.
 */
public interface ReportSink extends AutoCloseable {

    /** A short name for logs, such as {@code jsonl:out/reports.jsonl}. */
    String name();

    /** Accepts one report. */
    Mono<Void> write(WindowReport report);

    /** Flushes and frees what the sink holds; idempotent. */
    @Override
    void close();
}
