package io.edgewatch.core.sink;

import java.util.function.Consumer;

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

    /**
     * A sink that hands each report to {@code onReport} on the writing thread and holds nothing:
     * for listeners (health, a log line, a benchmark's counter). {@code onReport} must be quick and
     * must not block; what it throws is the write's error.
     */
    static ReportSink of(String name, Consumer<WindowReport> onReport) {
        return new ReportSink() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Mono<Void> write(WindowReport report) {
                return Mono.fromRunnable(() -> onReport.accept(report));
            }

            @Override
            public void close() {
            }
        };
    }
}
