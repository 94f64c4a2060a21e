package io.edgewatch.health;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.health.alert.AlertEngine;
import io.edgewatch.health.alert.AlertEvent;

/** {@link HealthStore#none()}: keeps nothing, remembers nothing. */
final class NoHealthStore implements HealthStore {

    static final NoHealthStore INSTANCE = new NoHealthStore();

    private NoHealthStore() {
    }

    @Override
    public boolean keepsHistory() {
        return false;
    }

    @Override
    public Path file() {
        return null;
    }

    @Override
    public AlertEngine.Baseline baseline(String camera, String model) {
        return null;
    }

    @Override
    public void saveBaseline(String camera, String model, AlertEngine.Baseline baseline) {
    }

    @Override
    public void deleteBaseline(String camera) {
    }

    @Override
    public void saveAlert(AlertEvent e) {
    }

    @Override
    public void saveWindow(WindowReport r, String version) {
    }

    @Override
    public void windows(String camera, Instant from, Instant to, Consumer<StoredWindow> each) {
    }

    @Override
    public void flush(Duration wait) {
    }

    @Override
    public List<AlertEvent> firingAlerts(String camera) {
        return List.of();
    }

    @Override
    public List<AlertEvent> recentAlerts(int limit) {
        return List.of();
    }

    @Override
    public void close() {
    }
}
