package io.edgewatch.sink.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops several owners of {@link OutboxSender}s at once, under one deadline: each gets what is left
 * of the one grace when its stop starts, all of them start together (a thread each), and the call
 * returns once every one has closed. One after another, each sender with a backlog drained for its
 * whole grace, so the stop took the sum of the graces (with four destinations and each dataset
 * project, past systemd's stop timeout). A stop that throws is logged and the others go on.
 */
public final class SendersStop {

    private static final Logger log = LoggerFactory.getLogger(SendersStop.class);
    /** How long past the deadline a stop may take to close what its sender used (clients, threads) before it is left. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    /** Stops one owner of a sender, given what is left of the shared grace. */
    @FunctionalInterface
    public interface Stop {
        void close(Duration left);
    }

    private SendersStop() {
    }

    /** Runs every stop at once, each given what is left of {@code grace} from now, and waits for them all. */
    public static void together(Duration grace, List<? extends Stop> stops) {
        long deadline = System.nanoTime() + grace.toNanos();
        if (stops.size() == 1) {
            stops.get(0).close(left(deadline));
            return;
        }
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < stops.size(); i++) {
            Stop stop = stops.get(i);
            Thread t = new Thread(() -> {
                try {
                    stop.close(left(deadline));
                } catch (RuntimeException e) {
                    log.warn("stopping a sender failed: {}", e.toString());
                }
            }, "edgewatch-stop-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        long leftBehind = deadline + CLOSE_GRACE.toNanos();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (leftBehind - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("{} still closing {} s past the stop's grace; left behind", t.getName(), CLOSE_GRACE.toSeconds());
            }
        }
    }

    /** What is left until {@code deadline} ({@link System#nanoTime}), never negative. */
    public static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
}
