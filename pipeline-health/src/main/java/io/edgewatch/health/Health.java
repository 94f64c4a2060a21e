package io.edgewatch.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.Version;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.clock.ClockFloor;
import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.sample.CameraSignals;
import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.sink.broker.DestinationStats;
import io.edgewatch.sink.outbox.OutboxStats;
import io.edgewatch.sink.samples.Sample;
import io.edgewatch.sink.samples.SampleStore;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The daemon's health: the cameras registered with {@link #camera}, each telling its windows
 * through the {@link CameraListener} it gets back. Each window updates the camera's tracker and
 * alert engine, the meters ({@code /metrics}) and the store, and its alerts go out through the
 * alert hub (log, store, history, meters, webhook). What the endpoint serves is built when asked.
 * All of it is updated once per window, so it costs the frames nothing. Served by
 * {@link HealthServer}.
 */
public final class Health implements AutoCloseable {

    /** The camera id the daemon's own alerts (not any one camera's) are filed under. */
    public static final String DAEMON = AlertHub.DAEMON;

    private static final Logger log = LoggerFactory.getLogger(Health.class);

    private final Map<String, CameraHealth> cameras = new ConcurrentHashMap<>();
    private final Clock clock;
    private final HealthStore store;
    private final HealthMeters meters;
    private final AlertHub hub;
    private final HealthViews views;
    private volatile String workspace;

    /** Keeping nothing over a restart. */
    private volatile Supplier<ObjectNode> reload;
    private volatile Supplier<OutboxStats> outbox;
    private final Map<String, Supplier<Optional<byte[]>>> snapshots = new ConcurrentHashMap<>();
    private volatile boolean snapshotsOn = true;
    private volatile SampleStore samples;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Samples each camera's source state every second, for the history's state strip. */
    private final Disposable sampler;

    public Health(Clock clock) {
        this(clock, HealthStore.none());
    }

    /** Baselines, the alert history and the window figures are kept in {@code store}. */
    public Health(Clock clock, HealthStore store) {
        this.clock = clock;
        this.store = store;
        this.meters = new HealthMeters(clock);
        this.hub = new AlertHub(store);
        hub.subscribe(meters::alert);
        meters.daemonAlerts(hub, AlertHub::daemonActive);
        this.sampler = Flux.interval(Duration.ofSeconds(1), Duration.ofSeconds(1), Schedulers.parallel())
                .subscribe(t -> sampleStates(), e -> log.warn("source state sampling stopped: {}", e.toString()));
        this.views = new HealthViews(cameras.values(), hub, clock, clock.instant());
        mark(new HistoryMark(null, clock.instant(), HistoryMark.START, Version.NUMBER));
    }

    /** The daemon's own marks (starts, stops, clock steps) of this process, for a history when no store keeps them. */
    private final java.util.ArrayDeque<HistoryMark> marks = new java.util.ArrayDeque<>();
    private static final int MARKS = 200;

    private void mark(HistoryMark m) {
        synchronized (marks) {
            marks.addLast(m);
            while (marks.size() > MARKS) {
                marks.removeFirst();
            }
        }
        store.saveMark(m);
    }

    /** Broker destinations, by name. */
    private final Map<String, Supplier<DestinationStats>> destinations = new ConcurrentSkipListMap<>();

    /**
     * Shows a broker destination: its connection state and counts in {@code /healthz}
     * ({@code destinations.NAME}) and as {@code edgewatch_destination_*} metrics tagged with its name.
     */
    public void destination(String name, Supplier<DestinationStats> stats) {
        destinations.put(name, stats);
        meters.destination(name, stats);
    }

    /** A registered camera's source state now ({@code streaming}, {@code reconnecting} ...), or null when it is not registered. */
    public String sourceState(String id) {
        CameraHealth c = cameras.get(id);
        return c == null ? null : c.source().state().name().toLowerCase(Locale.ROOT);
    }

    /** Serves the outbox's depth and oldest age (when there is an outbox). */
    public void outbox(Supplier<OutboxStats> stats) {
        this.outbox = stats;
        meters.outbox(stats);
    }

    /**
     * Watches a delivery destination: while {@code stopped} says so, the alert
     * {@code delivery_stopped:NAME} fires (at once); it clears once the destination has delivered
     * again for {@code clearAfter}. Checked with every window.
     */
    public void delivery(String name, BooleanSupplier stopped, Duration clearAfter, String hint) {
        delivery(name, stopped, () -> null, clearAfter, hint);
    }

    /** The same, the alert naming {@code reason}: why the destination stopped (its status, a redirect's target). */
    public void delivery(String name, BooleanSupplier stopped, Supplier<String> reason, Duration clearAfter, String hint) {
        hub.delivery(name, stopped, reason, clearAfter, hint);
    }

    /**
     * Watches a store on disk ({@code outbox}, {@code health}): while {@code problem} names why it
     * cannot commit (a full disk), {@code storage_full:NAME} fires and {@code /healthz} is degraded.
     */
    public void storage(String name, Supplier<String> problem, Duration clearAfter) {
        hub.storage(name, problem, clearAfter);
    }

    /**
     * Watches a store that may have been found damaged at its open ({@code outbox}, {@code health}):
     * while {@code damage} says what was found, {@code storage_damaged:NAME} fires and {@code /healthz}
     * is degraded.
     */
    public void damage(String name, Supplier<String> damage, Duration clearAfter) {
        hub.damage(name, damage, clearAfter);
    }

    /**
     * Watches the wall clock: each step {@code watch} sees (NTP correcting a box that booted
     * without a battery-backed clock, an operator's {@code date -s}) is counted in
     * {@code edgewatch_clock_steps_total} and raised once as the daemon alert {@code clock_step}
     * (the log, /api/alerts, the webhook, Vision Events). It fires and is not kept firing: a step
     * is over when it is told, and the windows around it were cut at it and measured on the
     * monotonic clock, so nothing else fires because of it.
     */
    public void clock(ClockWatch watch) {
        clock(watch, ClockFloor.NONE);
    }

    /**
     * As {@link #clock(ClockWatch)}, and the history kept while the wall clock read earlier than {@code floor} (known
     * wrong: the build's time) is moved by each step ({@link HealthStore#clockStepped}).
     */
    public void clock(ClockWatch watch, ClockFloor floor) {
        watch.onStep(step -> store.clockStepped(floor, step));
        meters.clockSteps(watch::steps);
        watch.onStep(step -> mark(new HistoryMark(null, step.after(), HistoryMark.CLOCK_STEP,
                String.format(Locale.ROOT, "%+.3f", step.seconds()))));
        watch.onStep(step -> hub.publish(new AlertEvent(DAEMON, "clock_step", true, step.after(), 0, step.seconds(),
                String.format(Locale.ROOT, "the wall clock stepped %+.3f s (from %s to %s); the open windows were closed at the"
                        + " step and the next ones are labelled by the new clock", step.seconds(), step.before(), step.after()))));
    }

    /**
     * Also hands every alert start and clear to {@code listener} (the webhook, Vision Events), in
     * order, on the {@code edgewatch-alerts} thread, never on the pipeline thread that raised it.
     */
    public void onAlert(Consumer<AlertEvent> listener) {
        hub.listen(listener);
    }

    /**
     * Registers a camera before it starts, so it is listed (and its source state served) from the
     * start; alerts that were firing at the last stop fire again.
     *
     * @param alerts when its alerts fire; null when they are off
     * @return where the camera tells its windows and its end
     */
    public CameraListener camera(String id, String modelId, Duration frequency, SourceProbe source, AlertOptions alerts) {
        CameraHealth c = new CameraHealth(id, modelId, frequency, source, alerts, store);
        cameras.put(id, c);
        hub.publishAll(c.restore(clock.instant()));
        if (!c.activeAlerts().isEmpty()) {
            log.info("camera {}: still firing from before the restart: {}", id,
                    c.activeAlerts().stream().map(AlertEvent::signal).toList());
        }
        meters.camera(c);
        return new CameraListener() {
            @Override
            public void window(WindowReport report) {
                record(report);
            }

            @Override
            public void stopped(String why) {
                c.failed(why);
            }

            @Override
            public void reportsDropped(java.util.function.LongSupplier dropped) {
                c.reportsDropped(dropped);
            }

            @Override
            public void executionProvider(String provider) {
                c.executionProvider(provider);
                meters.executionProvider(c);
            }
        };
    }

    void record(WindowReport r) {
        if (hub.watchesDeliveries()) {
            hub.checkDelivery(clock.instant(), meters::outboxDepth);
        }
        store.saveWindow(r, Version.INFERENCE_SERVER);
        CameraHealth c = cameras.get(r.cameraId());
        if (c != null) {
            hub.publishAll(c.record(r, clock.instant()));
        }
        meters.window(r);
    }

    /**
     * A camera that left the configuration (a reload): no longer listed or degraded, its series gone
     * from the scrape, its firing alerts cleared (saying why); its kept windows and history stay.
     */
    public void remove(String id) {
        remove(id, true);
    }

    /**
     * The same; a camera about to start again with a changed file keeps its firing alerts in the
     * store ({@code clearAlerts} false), so its next registration restores them instead of
     * clearing and firing them again.
     */
    public void remove(String id, boolean clearAlerts) {
        CameraHealth c = cameras.remove(id);
        snapshots.remove(id);
        if (c == null) {
            return;
        }
        for (AlertEvent a : clearAlerts ? c.activeAlerts() : List.<AlertEvent>of()) {
            hub.publish(new AlertEvent(id, a.signal(), false, clock.instant(), a.baseline(), a.current(),
                    "cleared: camera " + id + " was removed from the configuration"));
        }
        meters.removeCamera(id);
    }

    /**
     * What {@code POST /api/reload} runs (the daemon's reload: it reads the configuration again and
     * applies what changed); it answers whether it was applied and what changed.
     */
    public void onReload(Supplier<ObjectNode> reload) {
        this.reload = reload;
    }

    /** Runs the reload set by {@link #onReload}; empty when there is none. */
    public Optional<ObjectNode> reload() {
        Supplier<ObjectNode> r = reload;
        return r == null ? Optional.empty() : Optional.of(r.get());
    }

    private void sampleStates() {
        Instant now = clock.instant();
        for (CameraHealth c : cameras.values()) {
            try {
                c.sampleState(now);
            } catch (RuntimeException e) {
                log.debug("camera {}: state not sampled: {}", c.id, e.toString());
            }
        }
    }

    /** {@code health.snapshots: false}: no camera's picture is served (nor kept by its pipeline). */
    public void snapshotsOff() {
        snapshotsOn = false;
    }

    public boolean snapshotsOn() {
        return snapshotsOn;
    }

    /** Where camera {@code id}'s snapshot comes from: a JPEG of its last inferred frame with the result drawn, encoded when asked. */
    public void snapshots(String id, Supplier<Optional<byte[]>> jpeg) {
        snapshots.put(id, jpeg);
    }

    /** What camera {@code id}'s alerts and baseline tell its samplers ({@code while_alert}, {@code unseen_class}). */
    public CameraSignals signals(String id) {
        CameraHealth c = cameras.get(id);
        return c == null ? CameraSignals.NONE : c.signals();
    }

    /** Where the samples kept on this box are (listed by {@code GET /api/cameras/{id}/samples}). */
    public void samples(SampleStore store) {
        this.samples = store;
    }

    /**
     * {@code GET /api/cameras/{id}/samples}: the camera's kept samples, newest first (at most
     * {@code limit}), each with its predictions and its image's path; empty for an unknown camera.
     */
    public Optional<ObjectNode> samples(String id, int limit) {
        if (!cameras.containsKey(id)) {
            return Optional.empty();
        }
        SampleStore store = samples;
        ObjectNode out = JSON.createObjectNode().put("camera", id).put("images", snapshotsOn);
        ArrayNode list = out.putArray("samples");
        if (store != null) {
            for (Sample s : store.list(id, limit)) {
                ObjectNode n = s.toJson();
                if (snapshotsOn) {
                    n.put("image", "/api/cameras/" + id + "/samples/" + s.id() + ".jpg");
                }
                list.add(n);
            }
            long[] st = store.stats();
            out.putObject("store").put("kept", st[0]).put("bytes", st[1]).put("evicted", st[2]).put("not_written", st[3])
                    .put("unreadable", st[4]);
        }
        return Optional.of(out);
    }

    /** {@code GET /api/cameras/{id}/samples/{sample}.jpg}, as a snapshot is answered (403 with images off). */
    public Snapshot sampleImage(String id, String sample) {
        if (!cameras.containsKey(id)) {
            return new Snapshot(404, null, "no camera '" + id + "'");
        }
        if (!snapshotsOn) {
            return new Snapshot(403, null, "images are off on this box (health.snapshots: false)");
        }
        SampleStore store = samples;
        return (store == null ? Optional.<byte[]>empty() : store.image(id, sample)).map(b -> new Snapshot(200, b, null))
                .orElseGet(() -> new Snapshot(404, null, "camera '" + id + "' has no sample '" + sample + "'"));
    }

    /** What {@code GET /api/cameras/{id}/snapshot.jpg} answers: the JPEG, or why there is none. */
    public record Snapshot(int status, byte[] jpeg, String problem) {
    }

    public Snapshot snapshot(String id) {
        if (!cameras.containsKey(id)) {
            return new Snapshot(404, null, "no camera '" + id + "'");
        }
        if (!snapshotsOn) {
            return new Snapshot(403, null, "snapshots are off on this box (health.snapshots: false)");
        }
        Supplier<Optional<byte[]>> s = snapshots.get(id);
        Optional<byte[]> jpeg = s == null ? Optional.empty() : s.get();
        return jpeg.map(b -> new Snapshot(200, b, null))
                .orElseGet(() -> new Snapshot(204, null, "camera '" + id + "' has no inferred frame yet"));
    }

    /**
     * {@code GET /api/cameras/{id}/history}: the camera's kept windows from {@code from} to
     * {@code to} in points of at least {@code step} seconds, with its source state changes and its
     * alert starts and clears in that range and its baseline; empty for an unknown camera.
     */
    public Optional<ObjectNode> history(String id, Instant from, Instant to, long step) {
        CameraHealth c = cameras.get(id);
        if (c == null) {
            return Optional.empty();
        }
        long s = History.stepSeconds(from, to, step);
        History history = new History(id, from, to, s, c.frequency);
        store.windows(id, from, to, history::add); // folded as read: memory of the points, not of the rows
        ObjectNode out = history.json(c.baseline(), c.confidenceDrop);
        ArrayNode states = out.putArray("states");
        ArrayNode marksOut = out.putArray("marks");
        java.util.function.Consumer<HistoryMark> each = m -> {
            if (m.kind().equals(HistoryMark.STATE)) {
                states.addObject().put("at", m.at().toString()).put("t", m.at().getEpochSecond()).put("state", m.detail());
            } else {
                marksOut.addObject().put("at", m.at().toString()).put("t", m.at().getEpochSecond()).put("kind", m.kind())
                        .put("text", markText(m));
            }
        };
        if (store.keepsHistory()) {
            store.marks(id, from, to, each); // survives a restart: the strip from before it, its starts and stops
        } else {
            for (Object[] change : c.stateChanges()) {
                Instant at = (Instant) change[0];
                if (!at.isAfter(to)) {
                    each.accept(new HistoryMark(id, at, HistoryMark.STATE, (String) change[1]));
                }
            }
            synchronized (marks) {
                marks.stream().filter(m -> !m.at().isBefore(from) && !m.at().isAfter(to)).forEach(each);
            }
        }
        ArrayNode alerts = out.putArray("alerts");
        for (AlertEvent e : hub.recent()) {
            if (e.cameraId().equals(id) && !e.at().isBefore(from) && !e.at().isAfter(to)) {
                alerts.addObject().put("t", e.at().getEpochSecond()).put("at", e.at().toString()).put("signal", e.signal())
                        .put("state", e.firing() ? "firing" : "cleared").put("message", e.message());
            }
        }
        return Optional.of(out);
    }

    /** Marks a registered camera as stopped for good, with why. */
    public void failed(String id, String why) {
        CameraHealth c = cameras.get(id);
        if (c != null) {
            c.failed(why);
        }
    }

    /**
     * {@code POST /api/cameras/{id}/baseline/relearn}: the camera forgets its baseline and learns a
     * new one from its next windows (after a camera was moved or the scene changed for good).
     *
     * @return what to answer: null when there is no such camera
     */
    public ObjectNode relearn(String id) {
        CameraHealth c = cameras.get(id);
        if (c == null) {
            return null;
        }
        if (!c.alertsOn()) {
            return HealthViews.relearnt(id, false, List.of());
        }
        List<AlertEvent> clears = c.relearn(clock.instant());
        log.info("camera {}: baseline dropped on request; learning a new one", id);
        hub.publishAll(clears);
        return HealthViews.relearnt(id, true, clears);
    }

    /** The Roboflow workspace this daemon reports to, when configured: the statistics endpoint answers for it alone. */
    public void workspace(String slug) {
        this.workspace = slug;
    }

    /**
     * {@code GET /{workspace}/inference-stats}: Roboflow's statistics computed from the kept window
     * history, read on a thread that may block.
     *
     * @return the statistics; as its error, {@link InferenceStats.BadRequest} for a bad parameter,
     *         {@link NoSuchElementException} for another workspace or with no history kept
     */
    public Mono<ObjectNode> inferenceStats(String workspace, String startTime, String endTime, String modelNames) {
        return Mono.fromCallable(() -> {
            String mine = this.workspace;
            if (mine != null && !mine.equals(workspace)) {
                throw new NoSuchElementException("workspace '" + workspace + "' is not this daemon's (it reports to '" + mine + "')");
            }
            if (!store.keepsHistory()) {
                throw new NoSuchElementException("no window history is kept (the health store could not be opened)");
            }
            InferenceStats.Query q = InferenceStats.Query.parse(startTime, endTime, modelNames, clock.instant(), clock.getZone());
            store.flush();
            return InferenceStats.compute(q, store);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /** The endpoint closed a connection over its cap. */
    void refused(EndpointGuard.Reason reason) {
        meters.refused(reason);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        // a decoder opened since the last scrape gets its series now
        cameras.values().forEach(meters::decoder);
        return meters.scrape();
    }

    /** Cameras that are not healthy, with why; empty when all are. */
    public Map<String, List<String>> degraded() {
        return views.degraded();
    }

    /** {@code GET /healthz}. */
    public ObjectNode healthz() {
        ObjectNode n = views.healthz();
        Supplier<OutboxStats> o = outbox;
        if (o != null) {
            OutboxStats s = o.get();
            n.putObject("outbox").put("depth", s.depth()).put("oldest_age_s", s.oldestAgeMillis() / 1000)
                    .put("delivered", s.delivered()).put("retries", s.retries()).put("evicted", s.evicted());
        }
        if (!destinations.isEmpty()) {
            ObjectNode d = n.putObject("destinations");
            destinations.forEach((name, stats) -> {
                DestinationStats s = stats.get();
                d.putObject(name).put("state", s.stopped() ? "stopped" : s.state().label()).put("connected", s.connected())
                        .put("where", s.where()).put("sent", s.sent()).put("acknowledged", s.acknowledged()).put("retried", s.retried());
            });
        }
        n.put("snapshots", snapshotsOn);
        return n;
    }

    /** {@code GET /api/cameras}. */
    public ArrayNode cameras() {
        return views.cameras();
    }

    /** {@code GET /api/alerts}. */
    public ObjectNode alerts() {
        return views.alerts();
    }

    /** How the page labels a mark on the time axis. */
    static String markText(HistoryMark m) {
        return switch (m.kind()) {
            case HistoryMark.START -> "edgewatch started" + (m.detail() == null ? "" : " (" + m.detail() + ")");
            case HistoryMark.STOP -> "edgewatch stopped";
            case HistoryMark.CLOCK_STEP -> "the wall clock stepped " + m.detail() + " s";
            default -> m.kind();
        };
    }

    /** Waits up to {@code grace} for the alerts raised so far to have reached every {@link #onAlert} listener. */
    public void flushAlerts(Duration grace) {
        hub.flush(grace);
    }

    @Override
    public void close() {
        mark(new HistoryMark(null, clock.instant(), HistoryMark.STOP, null));
        sampler.dispose();
        hub.close();
        meters.close();
    }
}
