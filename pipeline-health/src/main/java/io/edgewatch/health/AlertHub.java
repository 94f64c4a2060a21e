package io.edgewatch.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.health.alert.Hysteresis;

/**
 * Where every alert start and clear goes: the log ({@code ALERT} at WARN, clears at INFO), the
 * store, the history of the last {@value #HISTORY} and each subscriber (the meters), on the thread
 * that raised it; and each listener (the webhook, Vision Events: they write the outbox, an SQLite
 * commit), in order, on one thread of their own ({@code edgewatch-alerts}), so a listener that is
 * slow or blocks never holds up the pipeline thread that closed a window. Also raises the daemon's own alerts, filed under
 * {@link #DAEMON}: {@code delivery_stopped:NAME} while a delivery destination is stopped.
 */
final class AlertHub {

    /** The camera id the daemon's own alerts (not any one camera's) are filed under. */
    static final String DAEMON = "daemon";
    static final int HISTORY = 500;

    private static final Logger log = LoggerFactory.getLogger(AlertHub.class);

    private record Destination(String name, BooleanSupplier stopped, Supplier<String> reason, Duration clearAfter, String hint,
                               Hysteresis state) {
        String signal() {
            return "delivery_stopped:" + name;
        }
    }

    private final HealthStore store;
    private final List<Consumer<AlertEvent>> subscribers = new CopyOnWriteArrayList<>();
    private final List<Consumer<AlertEvent>> listeners = new CopyOnWriteArrayList<>();
    /** Alerts waiting for the listeners at most; beyond, the newest are dropped (logged once per run of drops). */
    static final int LISTENER_QUEUE = 10_000;
    private final AtomicLong droppedForListeners = new AtomicLong();
    /** The listeners' one thread, made at the first alert that has a listener. */
    private final ThreadPoolExecutor listening = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(LISTENER_QUEUE), r -> {
                Thread t = new Thread(r, "edgewatch-alerts");
                t.setDaemon(true);
                return t;
            }, (r, pool) -> {
                if (!pool.isShutdown() && droppedForListeners.getAndIncrement() == 0) {
                    log.warn("alert listeners (webhook, Vision Events) are {} alerts behind: newer alerts are not handed to them",
                            LISTENER_QUEUE);
                }
            });
    private final Deque<AlertEvent> history = new ArrayDeque<>();
    private final List<Destination> destinations = new CopyOnWriteArrayList<>();
    private final List<Storage> stores = new CopyOnWriteArrayList<>();

    /** A store on disk watched for one kind of trouble: {@code storage_full} (it cannot commit) or {@code storage_damaged} (it was salvaged). */
    private record Storage(String kind, String name, Supplier<String> problem, Duration clearAfter, Hysteresis state) {
        String signal() {
            return kind + ":" + name;
        }

        String fired(String problem) {
            return kind.equals(DAMAGED)
                    ? "the " + name + " store was damaged: " + problem + "; edgewatch goes on with a fresh one"
                    : "the " + name + " store cannot write: " + problem + "; accepted windows wait in memory, in order, and are"
                            + " written once there is space again (free space in storage.path)";
        }

        String cleared() {
            return kind.equals(DAMAGED) ? "cleared: the " + name + " store opened undamaged" : "cleared: the " + name + " store writes again";
        }
    }

    private static final String FULL = "storage_full";
    private static final String DAMAGED = "storage_damaged";
    /** The daemon's firing alerts by signal. */
    private final Map<String, AlertEvent> daemonActive = new ConcurrentHashMap<>();

    AlertHub(HealthStore store) {
        this.store = store;
        history.addAll(store.recentAlerts(HISTORY));
    }

    /** Also hands every alert start and clear to {@code subscriber}, on the thread that raised it (keep it quick). */
    void subscribe(Consumer<AlertEvent> subscriber) {
        subscribers.add(subscriber);
    }

    /** Also hands every alert start and clear to {@code listener}, in order, on the {@code edgewatch-alerts} thread. */
    void listen(Consumer<AlertEvent> listener) {
        listeners.add(listener);
    }

    /** Waits up to {@code grace} for the alerts handed to the listeners so far to have reached them. */
    void flush(Duration grace) {
        if (listeners.isEmpty()) {
            return;
        }
        try {
            listening.submit(() -> { }).get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | ExecutionException e) {
            // closed (or the queue full): nothing more to wait for
        } catch (TimeoutException e) {
            log.warn("alert listeners (webhook, Vision Events) still busy after {} s; going on", grace.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands the alerts already raised to the listeners (up to 5 s), then ends their thread. */
    void close() {
        listening.shutdown();
        try {
            if (!listening.awaitTermination(5, TimeUnit.SECONDS)) {
                listening.shutdownNow();
            }
        } catch (InterruptedException e) {
            listening.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void hand(AlertEvent e, Consumer<AlertEvent> s) {
        try {
            s.accept(e);
        } catch (RuntimeException failed) {
            log.error("camera {}: alert {} ({}) could not be handed to one of its subscribers: {}", e.cameraId(), e.signal(),
                    e.firing() ? "firing" : "cleared", String.valueOf(failed), failed);
        }
    }

    /**
     * Hands {@code e} to every subscriber, then logs and keeps it. A subscriber that throws is logged (ERROR, with the
     * alert and the error) and passed over: the others, the log and the store still get the alert.
     */
    void publish(AlertEvent e) {
        for (Consumer<AlertEvent> s : subscribers) {
            hand(e, s);
        }
        if (!listeners.isEmpty()) {
            listening.execute(() -> listeners.forEach(l -> hand(e, l)));
        }
        if (e.firing()) {
            log.warn("camera {}: ALERT {}: {}", e.cameraId(), e.signal(), e.message());
        } else {
            log.info("camera {}: alert {} cleared: {}", e.cameraId(), e.signal(), e.message());
        }
        store.saveAlert(e);
        synchronized (history) {
            history.addFirst(e);
            while (history.size() > HISTORY) {
                history.removeLast();
            }
        }
    }

    void publishAll(List<AlertEvent> events) {
        events.forEach(this::publish);
    }

    /** The most recent starts and clears, newest first. */
    List<AlertEvent> recent() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    /**
     * Watches a delivery destination: while it is stopped (the far end refused the key, credits or
     * workspace and a person must act) the alert {@code delivery_stopped:NAME} fires, at once; it
     * clears once the destination has delivered again for {@code clearAfter}. An alert that was
     * firing at the last stop is firing again at the start.
     */
    void delivery(String name, BooleanSupplier stopped, Supplier<String> reason, Duration clearAfter, String hint) {
        Destination d = new Destination(name, stopped, reason, clearAfter, hint, new Hysteresis());
        restore(d.signal(), d.state());
        destinations.add(d);
    }

    /**
     * Watches a store whose disk may refuse commits: while {@code problem} names one, the alert
     * {@code storage_full:NAME} fires (at once); it clears once the store has committed again for
     * {@code clearAfter}.
     */
    void storage(String name, Supplier<String> problem, Duration clearAfter) {
        watch(new Storage(FULL, name, problem, clearAfter, new Hysteresis()));
    }

    /**
     * Watches a store that may have been found damaged and salvaged at its open: while
     * {@code damage} says what was found (the file moved aside, what was salvaged), the alert
     * {@code storage_damaged:NAME} fires (at once; /healthz is degraded meanwhile); it clears once
     * the store has been undamaged for {@code clearAfter}, after the next start that finds it whole.
     */
    void damage(String name, Supplier<String> damage, Duration clearAfter) {
        watch(new Storage(DAMAGED, name, damage, clearAfter, new Hysteresis()));
    }

    private void watch(Storage s) {
        restore(s.signal(), s.state());
        stores.add(s);
    }

    private void restore(String signal, Hysteresis state) {
        for (AlertEvent e : store.firingAlerts(DAEMON)) {
            if (e.signal().equals(signal)) {
                state.restore(e.at());
                daemonActive.put(e.signal(), e);
            }
        }
    }

    /** Steps every watched destination; {@code waiting} is how many requests the outbox holds. */
    synchronized void checkDelivery(Instant now, LongSupplier waiting) {
        for (Destination d : destinations) {
            String signal = d.signal();
            switch (d.state().step(d.stopped().getAsBoolean(), now, Duration.ZERO, d.clearAfter())) {
                case FIRED -> {
                    long n = waiting.getAsLong();
                    String why = d.reason().get();
                    AlertEvent e = new AlertEvent(DAEMON, signal, true, now, 0, n, "delivery to " + d.name()
                            + " stopped: " + (why == null ? "it refused this daemon's credentials or account" : why)
                            + " (" + d.hint() + "); " + n + " requests are kept in the outbox and go out once it is fixed");
                    daemonActive.put(signal, e);
                    publish(e);
                }
                case CLEARED -> {
                    long n = waiting.getAsLong();
                    daemonActive.remove(signal);
                    publish(new AlertEvent(DAEMON, signal, false, now, 0, n, "cleared: delivery to " + d.name()
                            + " works again (" + n + " requests waiting)"));
                }
                case NONE -> { }
            }
        }
        for (Storage s : stores) {
            String problem = s.problem().get();
            switch (s.state().step(problem != null, now, Duration.ZERO, s.clearAfter())) {
                case FIRED -> {
                    AlertEvent e = new AlertEvent(DAEMON, s.signal(), true, now, 0, 0, s.fired(problem));
                    daemonActive.put(s.signal(), e);
                    publish(e);
                }
                case CLEARED -> {
                    daemonActive.remove(s.signal());
                    publish(new AlertEvent(DAEMON, s.signal(), false, now, 0, 0, s.cleared()));
                }
                case NONE -> { }
            }
        }
    }

    boolean watchesDeliveries() {
        return !destinations.isEmpty() || !stores.isEmpty();
    }

    /** The daemon's own alerts firing now, by signal. */
    List<AlertEvent> daemonActive() {
        return daemonActive.values().stream().sorted(Comparator.comparing(AlertEvent::signal)).toList();
    }
}
