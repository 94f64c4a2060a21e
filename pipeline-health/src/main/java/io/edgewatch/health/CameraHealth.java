package io.edgewatch.health;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.sample.CameraSignals;
import io.edgewatch.core.secret.Redactor;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.health.alert.AlertEngine;
import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.health.alert.AlertOptions;

/**
 * What is known of one camera's health: its source's state and the last window, with running
 * totals. Updated once per window from the report, never per frame.
 */
final class CameraHealth {

    private static final Logger log = LoggerFactory.getLogger(CameraHealth.class);

    /** A window whose inferences failed more than this share is degraded. */
    static final double MAX_ERROR_SHARE = 0.5;

    final String id;
    final String modelId;
    final Duration frequency;
    private final SourceProbe source;
    private volatile WindowReport last;
    private volatile Instant lastAt;
    private long seen;
    private long inferred;
    private long dropped;
    private long errors;
    private volatile String failure;
    private final AlertEngine alerts;
    /** Firing alerts by signal. */
    private final Map<String, AlertEvent> active = new ConcurrentHashMap<>();
    /** The classes of the learnt baseline, null while there is none (kept for {@link #signals()}). */
    private volatile Set<String> baselineClasses;

    private final HealthStore store;
    /** The alert threshold of a confidence slide, for the history's baseline band; 0 with alerts off. */
    final double confidenceDrop;
    /** The source's state changes as sampled (each second and at each window), oldest first, at most {@link #STATES} of them. */
    private final ArrayDeque<Object[]> states = new ArrayDeque<>();
    static final int STATES = 2000;

    CameraHealth(String id, String modelId, Duration frequency, SourceProbe source, AlertOptions alerts, HealthStore store) {
        this.store = store;
        this.alerts = alerts == null || !alerts.enabled() ? null
                : new AlertEngine(id, alerts, frequency, startingBaseline(id, modelId, alerts, store));
        this.id = id;
        this.modelId = modelId;
        this.frequency = frequency;
        this.source = source;
        this.confidenceDrop = alerts == null || !alerts.enabled() ? 0 : alerts.confidenceDrop();
        noteBaseline();
    }

    private void noteBaseline() {
        AlertEngine.Baseline b = alerts == null ? null : alerts.baseline();
        baselineClasses = b == null ? null : Set.copyOf(b.share().keySet());
    }

    /** Notes the source's state at {@code now} when it changed since the last sample. */
    synchronized void sampleState(Instant now) {
        String state = source().state().name().toLowerCase(Locale.ROOT);
        Object[] last = states.peekLast();
        if (last == null || !last[1].equals(state)) {
            states.addLast(new Object[] {now, state});
            store.saveMark(new HistoryMark(id, now, HistoryMark.STATE, state)); // the strip outlives the process
            while (states.size() > STATES) {
                states.removeFirst();
            }
        }
    }

    /** The state changes sampled, oldest first: each an instant and a state name. */
    synchronized List<Object[]> stateChanges() {
        return new ArrayList<>(states);
    }

    /**
     * The baseline the camera starts from: pinned to a period of its kept windows when the options
     * say so (and kept as its baseline from then on), else the one kept from before, else none
     * (learn it).
     */
    private static AlertEngine.Baseline startingBaseline(String id, String modelId, AlertOptions options, HealthStore store) {
        if (!store.keepsHistory()) {
            if (options.pinned()) {
                log.warn("camera {}: the baseline cannot be pinned without the health store: learning it from the start", id);
            }
            return null;
        }
        if (options.pinned()) {
            AlertEngine.Learner learner = new AlertEngine.Learner();
            for (StoredWindow w : store.windows(options.baselineFrom(), options.baselineTo())) {
                if (!w.camera().equals(id) || !w.model().equals(modelId) || w.inferred() == 0) {
                    continue;
                }
                Map<String, double[]> classes = new LinkedHashMap<>();
                for (StoredWindow.ClassRow c : w.classes()) {
                    classes.put(c.name(), new double[] {c.confidenceSum(), c.count()});
                }
                double seconds = Math.max(1e-3, Duration.between(w.start(), w.end()).toMillis() / 1000.0);
                learner.add(classes, w.inferenceP95Millis(), w.inferred() / seconds);
            }
            if (learner.windows() > 0) {
                AlertEngine.Baseline pinned = learner.baseline();
                log.info("camera {}: baseline pinned to {} .. {} ({} windows of model {})", id, options.baselineFrom(),
                        options.baselineTo(), learner.windows(), modelId);
                store.saveBaseline(id, modelId, pinned);
                return pinned;
            }
            log.warn("camera {}: no windows of model {} are kept between {} and {} to pin the baseline to (storage.health_history "
                    + "keeps them; check alerts.baseline_from/baseline_to): using the baseline kept from before, or learning one",
                    id, modelId, options.baselineFrom(), options.baselineTo());
        }
        return store.baseline(id, modelId);
    }

    /** True when the camera has alerts on (and so a baseline to relearn). */
    boolean alertsOn() {
        return alerts != null;
    }

    /** Drops the baseline (here and on disk) to learn a new one; the clears of the alerts judged against it. */
    synchronized List<AlertEvent> relearn(Instant now) {
        if (alerts == null) {
            return List.of();
        }
        List<AlertEvent> clears = alerts.relearn(now);
        clears.forEach(e -> active.remove(e.signal()));
        store.deleteBaseline(id);
        noteBaseline();
        return clears;
    }

    /**
     * Takes back the alerts that were firing when the daemon stopped (from the store). Those that
     * cannot carry over, because alerts are now off for the camera or because they were judged
     * against a baseline that is being learnt again (another model), are cleared: the clears are
     * returned, to be sent like any other.
     */
    synchronized List<AlertEvent> restore(Instant now) {
        List<AlertEvent> clears = new ArrayList<>();
        for (AlertEvent e : store.firingAlerts(id)) {
            String why = alerts == null ? "alerts are off for this camera"
                    : alerts.baseline() == null && AlertEngine.needsBaseline(e.signal())
                    ? "the baseline is being learnt again (model " + modelId + ")" : null;
            if (why != null) {
                clears.add(new AlertEvent(id, e.signal(), false, now, e.baseline(), e.current(), "cleared after a restart: " + why));
            } else {
                alerts.restore(e);
                active.put(e.signal(), e);
            }
        }
        return clears;
    }

    /** Takes a window; the alerts it started or cleared. */
    synchronized List<AlertEvent> record(WindowReport report, Instant now) {
        last = report;
        lastAt = now;
        seen += report.framesSeen();
        inferred += report.framesInferred();
        dropped += report.framesDropped();
        errors += report.inferenceErrors();
        if (alerts == null) {
            return List.of();
        }
        boolean learning = alerts.baseline() == null;
        List<AlertEvent> events = alerts.onWindow(report, live() ? source() : null);
        if (learning && alerts.baseline() != null) {
            store.saveBaseline(id, modelId, alerts.baseline());
            noteBaseline();
        }
        for (AlertEvent e : events) {
            if (e.firing()) {
                active.put(e.signal(), e);
            } else {
                active.remove(e.signal());
            }
        }
        return events;
    }

    /** The alerts firing now, by signal. */
    List<AlertEvent> activeAlerts() {
        return active.values().stream().sorted(Comparator.comparing(AlertEvent::signal)).toList();
    }

    /** Signals whose firing makes frames worth a {@code while_alert} sample: drift and latency. */
    private static final Set<String> DRIFT_OR_LATENCY = Set.of("confidence_drop", "class_shift", "latency_creep");

    /** What the samplers of this camera ask, once per inferred frame: read without the camera's lock. */
    CameraSignals signals() {
        return new CameraSignals() {
            @Override
            public boolean alertFiring() {
                for (String signal : active.keySet()) {
                    int colon = signal.indexOf(':');
                    if (DRIFT_OR_LATENCY.contains(colon < 0 ? signal : signal.substring(0, colon))) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public Set<String> baselineClasses() {
                return baselineClasses;
            }
        };
    }

    /** The learnt baseline, or null while learning or with alerts off. */
    AlertEngine.Baseline baseline() {
        return alerts == null ? null : alerts.baseline();
    }

    /** The camera stopped for good (could not start, or its pipeline ended with an error). */
    void failed(String why) {
        // an exception's text, served on /api/cameras and /healthz: a camera URL's password must not be in it
        failure = why == null ? null : Redactor.redact(why);
    }

    SourceStatus source() {
        return source.status();
    }

    private volatile String executionProvider;
    /** The reports its runs so far dropped, and where the running one's count is read. */
    private long reportsDroppedBefore;
    private LongSupplier reportsDroppedByRun = () -> 0;

    /** Where the camera's run counts the reports it dropped; a new run's count adds to the ones before. */
    synchronized void reportsDropped(LongSupplier run) {
        reportsDroppedBefore += reportsDroppedByRun.getAsLong();
        reportsDroppedByRun = run;
    }

    /** Window reports dropped because the camera's sinks stayed behind, over every run of it in this process. */
    synchronized long reportsDropped() {
        return reportsDroppedBefore + reportsDroppedByRun.getAsLong();
    }

    void executionProvider(String provider) {
        executionProvider = provider;
    }

    /** Where the camera's model runs ({@code cpu}, {@code cuda}, {@code tensorrt}), or null when unknown. */
    String executionProvider() {
        return executionProvider;
    }

        /** The video decoder in use, or null before the source first opened. */
    String decoder() {
        return source.decoder();
    }

    long decoderFallbacks() {
        return source.decoderFallbacks();
    }

    boolean live() {
        return source.live();
    }

    WindowReport last() {
        return last;
    }

    synchronized long[] totals() {
        return new long[] {seen, inferred, dropped, errors};
    }

    /** Why this camera is not healthy now, empty when it is. */
    List<String> problems(Instant now, Instant started) {
        List<String> out = new ArrayList<>();
        if (failure != null) {
            out.add("camera stopped: " + failure);
            return out;
        }
        SourceStatus s = source();
        switch (s.state()) {
            case CONNECTING, RECONNECTING -> out.add("source " + s.state().name().toLowerCase(Locale.ROOT)
                    + ", not streaming since " + (s.downSince() != null ? s.downSince() : s.since())
                    + (s.lastError() == null ? "" : ": " + s.lastError()));
            case FAILED -> out.add("source failed" + (s.lastError() == null ? "" : ": " + s.lastError()));
            case STOPPED -> {
                if (live()) {
                    out.add("source stopped");
                }
            }
            default -> {
            }
        }
        for (AlertEvent a : activeAlerts()) {
            out.add("alert " + a.signal() + ": " + a.message());
        }
        WindowReport r = last;
        if (r != null && r.framesSeen() > 0 && r.inferenceErrors() > MAX_ERROR_SHARE * r.framesSeen()) {
            out.add("inference failed on " + r.inferenceErrors() + " of " + r.framesSeen() + " frames in the last window "
                    + r.errorsByKind());
        }
        Instant since = lastAt != null ? lastAt : started;
        boolean ended = s.state() == SourceStatus.State.STOPPED && !live();
        if (!ended && Duration.between(since, now).compareTo(frequency.multipliedBy(3)) > 0) {
            out.add("no window reported for " + Duration.between(since, now).toSeconds() + " s");
        }
        return out;
    }
}
