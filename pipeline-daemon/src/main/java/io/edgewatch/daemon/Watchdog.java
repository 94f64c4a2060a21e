package io.edgewatch.daemon;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.daemon.config.Durations;

/**
 * Pings systemd's watchdog ({@code WATCHDOG=1}) at half its interval, but only while the daemon
 * makes progress: every running camera closed a window lately (windows close on a timer whether
 * frames come or not, so a camera that is down and reconnecting still counts; a stuck aggregator or
 * a sink that never returns does not) and the outbox answered a read. When a check finds no
 * progress the ping is skipped, with one WARN saying why, and systemd restarts the service once
 * {@code WatchdogSec} passes without one. The checks run on a thread of their own, so a check that
 * hangs (a wedged disk under the outbox's lock) is itself a missed ping, never a blocked caller.
 */
final class Watchdog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    /** A camera may be this much later than two of its windows before it counts as stuck. */
    static final Duration SLACK = Duration.ofSeconds(10);
    private static final String BLOCKED = "a progress check has not returned (the outbox or a camera is blocked)";

    private final ServiceNotifier notifier;
    private final Supplier<Optional<String>> stuck;
    private final ScheduledExecutorService timer;
    private final ScheduledExecutorService checker;
    private Future<Optional<String>> pending;
    private String lastWhy;

    private Watchdog(ServiceNotifier notifier, Supplier<Optional<String>> stuck) {
        this.notifier = notifier;
        this.stuck = stuck;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "edgewatch-watchdog"));
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "edgewatch-watchdog-check"));
    }

    /**
     * Starts pinging when the notifier has a watchdog interval; {@code stuck} says why the daemon
     * makes no progress, or empty when it does. Returns a watchdog that does nothing otherwise.
     */
    static Watchdog start(ServiceNotifier notifier, Supplier<Optional<String>> stuck) {
        Watchdog w = new Watchdog(notifier, stuck);
        Duration interval = notifier.watchdogInterval();
        if (!interval.isZero()) {
            long period = Math.max(1, interval.toMillis() / 2);
            w.timer.scheduleWithFixedDelay(w::tick, 0, period, TimeUnit.MILLISECONDS);
            log.info("systemd watchdog every {} ms: pinged while cameras close windows and the outbox answers", interval.toMillis());
        }
        return w;
    }

    private void tick() {
        try {
            Optional<String> why;
            if (pending != null && !pending.isDone()) {
                why = Optional.of(BLOCKED);
            } else {
                pending = checker.submit(stuck::get);
                try {
                    why = pending.get(Math.max(1, notifier.watchdogInterval().toMillis() / 4), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    why = Optional.of(BLOCKED);
                }
            }
            if (why.isEmpty()) {
                if (lastWhy != null) {
                    log.info("progress again: pinging systemd's watchdog");
                    lastWhy = null;
                }
                notifier.watchdog();
            } else if (!why.get().equals(lastWhy)) {
                lastWhy = why.get();
                log.warn("not pinging systemd's watchdog: {}; systemd restarts edgewatch when WatchdogSec passes without a ping", lastWhy);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("watchdog check failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        checker.shutdownNow();
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * The time of each running camera's last window, from a sink every camera writes to; a camera
     * is stuck when two windows and {@link #SLACK} passed without one.
     */
    static final class Heartbeats {
        private record Beat(Duration frequency, long lastNanos) {
        }

        private final Map<String, Beat> beats = new ConcurrentHashMap<>();
        private final LongSupplier nanos;

        Heartbeats(LongSupplier nanos) {
            this.nanos = nanos;
        }

        /** A camera starts: it has two windows and the slack from now. */
        void started(String camera, Duration frequency) {
            beats.put(camera, new Beat(frequency, nanos.getAsLong()));
        }

        /** A camera ended or was stopped: no longer watched. */
        void ended(String camera) {
            beats.remove(camera);
        }

        /** The sink that records each window. */
        ReportSink sink() {
            return ReportSink.of("heartbeat", r -> beat(r.cameraId()));
        }

        void beat(String camera) {
            beats.computeIfPresent(camera, (id, b) -> new Beat(b.frequency(), nanos.getAsLong()));
        }

        /** The first camera found stuck, said for a person, or empty. */
        Optional<String> stuck() {
            long now = nanos.getAsLong();
            for (Map.Entry<String, Beat> e : beats.entrySet()) {
                Beat b = e.getValue();
                long allowed = b.frequency().multipliedBy(2).plus(SLACK).toNanos();
                long since = now - b.lastNanos();
                if (since > allowed) {
                    return Optional.of("camera " + e.getKey() + " closed no window for " + TimeUnit.NANOSECONDS.toSeconds(since)
                            + " s (its windows are " + Durations.format(b.frequency()) + ")");
                }
            }
            return Optional.empty();
        }
    }
}
