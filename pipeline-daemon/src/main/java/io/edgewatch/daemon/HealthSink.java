package io.edgewatch.daemon;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.health.CameraListener;
import reactor.core.publisher.Mono;

/** A camera's windows to health, as the last of its sinks. */
final class HealthSink implements ReportSink {

    private final CameraListener camera;

    HealthSink(CameraListener camera) {
        this.camera = camera;
    }

    @Override
    public String name() {
        return "health";
    }

    @Override
    public Mono<Void> write(WindowReport report) {
        return Mono.fromRunnable(() -> camera.window(report));
    }

    @Override
    public void close() {
    }
}
