package io.edgewatch.daemon;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowAggregator;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.sink.ReportSink;
import reactor.core.publisher.Mono;

/** Logs one line per window: the daemon's heartbeat for a person watching it. */
final class LogSummarySink implements ReportSink {

    /** The daemon's logger: the line reads {@code Daemon: camera … window …}, as it always has. */
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    @Override
    public String name() {
        return "log";
    }

    @Override
    public Mono<Void> write(WindowReport r) {
        long decode = r.errorsByKind().getOrDefault(WindowAggregator.DECODE_ERRORS, 0L);
        return Mono.fromRunnable(() -> log.info("camera {} window {}..{}: {} frames seen, {} inferred, {} dropped, {} errors{}; {}",
                r.cameraId(), r.windowStart(), r.windowEnd(), r.framesSeen(), r.framesInferred(), r.framesDropped(),
                r.inferenceErrors(), decode > 0 ? ", " + decode + " decode errors" : "", r.classStats().isEmpty() ? "nothing detected"
                        : r.classStats().stream().map(s -> s.className() + " x" + s.count() + " (max "
                                + String.format(Locale.ROOT, "%.2f", s.maxConfidence()) + ")").toList()));
    }

    @Override
    public void close() {
    }
}
