package io.edgewatch.sink.roboflow;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.secret.ApiKeys;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.sink.outbox.DeliveryException;
import io.edgewatch.sink.outbox.JsonRestamper;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxEntry;
import io.edgewatch.sink.outbox.OutboxSender;
import io.edgewatch.sink.outbox.SendersStop;
import io.edgewatch.sink.samples.Envelope;
import io.edgewatch.sink.samples.Sample;
import io.edgewatch.sink.samples.SampleSink;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What the box sees, as Roboflow Vision Events, through the {@link Outbox}. Three things become
 * events, each as its camera's settings say ({@link CameraEvents}):
 * <ul>
 *   <li>each window's summary (counts and best confidence per class in {@code customMetadata}),
 *       committed with the windows that arrive within {@code linger} in one entry of at most
 *       {@code maxBatch} events; {@link #write} completes once its event is committed;</li>
 *   <li>each sample: its image is uploaded first, the {@code sourceId} recorded in the entry, then
 *       the event with the sample's detections ({@code objectDetections}, centre-based pixels);</li>
 *   <li>each alert firing and clearing, as a {@code safety_alert}, committed at once.</li>
 * </ul>
 * A sample or an alert first commits the window events waiting for company, so that events reach
 * the outbox, and Vision Events, in the order they happened.
 * Every event's {@code eventId} is a UUID fixed when it is committed, so a retry overwrites
 * instead of duplicating. One entry is sent at a time, oldest first, with the outbox's retry, stop
 * and dead-letter rules. A window or sample event within its camera's {@code cooldown} of the last
 * one of its kind is not made (counted), as the reference's sink drops them.
 */
public final class VisionEventsSink implements ReportSink {

    public static final String DESTINATION = "vision-events";
    /** The outbox's camera id of the daemon's own alerts (one line of their own, in order). */
    static final String DAEMON = "daemon";
    private static final Logger log = LoggerFactory.getLogger(VisionEventsSink.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Vision Events' limits on {@code customMetadata}: keys of these characters, at most 100 of them, strings of 1000. */
    public static final Pattern METADATA_KEY = Pattern.compile("[a-zA-Z0-9_ -]{1,100}");
    private static final Pattern NOT_KEY = Pattern.compile("[^a-zA-Z0-9_ -]");
    public static final int MAX_METADATA_KEYS = 100;
    public static final int MAX_STRING = 1000;
    private static final int MAX_DETECTIONS = 1000;
    public static final List<String> EVENT_TYPES = List.of("custom", "quality_check", "safety_alert", "inventory_count",
            "operator_feedback");

    /**
     * What a camera sends.
     *
     * @param eventType of its windows and samples: {@code custom} or {@code quality_check} (alerts are {@code safety_alert})
     * @param windows whether each window becomes an event
     * @param samples whether each sample does
     * @param alerts whether its alerts do
     * @param cooldown a window or sample event this soon after the last one of its kind is not made; zero for none
     * @param failClasses {@code quality_check}: a window or sample with one of these classes fails, else passes
     * @param metadata the camera's metadata, as {@code customMetadata} of each of its events (checked against the limits when read)
     */
    public record CameraEvents(String eventType, boolean windows, boolean samples, boolean alerts, Duration cooldown,
                               Set<String> failClasses, Map<String, String> metadata) {
        /** What a camera sends unless told otherwise: every window, sample and alert, as {@code custom}, no cooldown. */
        public static final CameraEvents DEFAULTS = new CameraEvents("custom", true, true, true, Duration.ZERO, Set.of(), Map.of());

        public CameraEvents {
            failClasses = Set.copyOf(failClasses);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    private record Pending(ObjectNode event, String cameraId, MonoSink<Void> committed) {
    }

    private final Outbox outbox;
    private final VisionEventsOptions options;
    private final Function<String, CameraEvents> cameras;
    private final VisionEventsClient client;
    private final OutboxSender sender;
    private final Scheduler committer = Schedulers.newSingle("edgewatch-vision-events-commit");
    /**
     * Held by every append of this sink, around taking what waits for company and committing it: a sample or alert
     * commits the window events made before it first, so that a camera's events reach the outbox in the order they
     * happened. Taken before {@link #waitingLock}, never after.
     */
    private final Object appendLock = new Object();
    private final Object waitingLock = new Object();
    /** Window events waiting for company (at most {@code maxBatch}, at most {@code linger}); guarded by {@link #waitingLock}. */
    private List<Pending> waiting = new ArrayList<>();
    private Disposable lingering;
    private final Map<String, Long> lastDispatched = new ConcurrentHashMap<>();
    private final AtomicLong throttled = new AtomicLong();

    public VisionEventsSink(Outbox outbox, VisionEventsOptions options, Function<String, CameraEvents> cameras) {
        this.outbox = outbox;
        this.options = options;
        this.cameras = cameras;
        this.client = new VisionEventsClient(options);
        // after a clock step, each event's timestamp moves (a sample's event in its envelope's header); a flagged event
        // says so in its customMetadata, which takes strings only
        JsonRestamper times = JsonRestamper.of(ZoneOffset.UTC, "timestamp");
        outbox.restamper(DESTINATION, Envelope.restamping(Set.of("sample-event"), times.flaggingWith(VisionEventsSink::flagged),
                times.flaggingWith(top -> top.path("events").forEach(VisionEventsSink::flagged))));
        this.sender = new OutboxSender(outbox, DESTINATION, new Steps(), options.retryMin(), options.retryMax(),
                options.probeInterval(), false, 1).start();
        log.info("events go to Roboflow Vision Events at {} (use case {}, key {}), through the outbox {}", options.apiUrl(),
                options.useCaseId() != null ? options.useCaseId() : "'" + options.useCaseName() + "'",
                ApiKeys.mask(options.apiKey().reveal()), outbox.file());
    }

    @Override
    public String name() {
        return DESTINATION;
    }

    /** Window and sample events not made because they came within their camera's cooldown. */
    public long throttled() {
        return throttled.get();
    }

    public boolean stopped() {
        return sender.isStopped();
    }

    public String stopReason() {
        return sender.stopReason();
    }

    @Override
    public Mono<Void> write(WindowReport report) {
        CameraEvents c = cameras.apply(report.cameraId());
        if (c == null || !c.windows() || throttle(report.cameraId() + "/window", c.cooldown())) {
            return Mono.empty();
        }
        ObjectNode event = windowEvent(report, c);
        return Mono.create(done -> wait(new Pending(event, report.cameraId(), done)));
    }

    /** A window event waits for company: committed with those that come within {@code linger}, or once {@code maxBatch} wait. */
    private void wait(Pending p) {
        synchronized (waitingLock) {
            waiting.add(p);
            if (waiting.size() >= options.maxBatch()) {
                committer.schedule(this::commitWaiting);
            } else if (lingering == null) {
                lingering = committer.schedule(this::commitWaiting, options.linger().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Commits what waits for company, in batches of at most {@code maxBatch}; under {@link #appendLock}. */
    private void commitWaiting() {
        synchronized (appendLock) {
            List<Pending> taken;
            synchronized (waitingLock) {
                taken = waiting;
                waiting = new ArrayList<>();
                if (lingering != null) {
                    lingering.dispose();
                    lingering = null;
                }
            }
            for (int from = 0; from < taken.size(); from += options.maxBatch()) {
                commit(taken.subList(from, Math.min(taken.size(), from + options.maxBatch())));
            }
        }
    }

    private void commit(List<Pending> batch) {
        ArrayNode events = JSON.createArrayNode();
        batch.forEach(p -> events.add(p.event()));
        String camera = batch.stream().map(Pending::cameraId).distinct().count() == 1 ? batch.get(0).cameraId() : "several";
        try {
            // stamped with its earliest event: the window a clock step closes is labelled on the clock before the step
            Instant stamped = batch.stream().map(p -> p.event().path("timestamp").asText()).map(Instant::parse)
                    .min(Comparator.naturalOrder()).orElse(null);
            outbox.appendAll(List.of(new Outbox.NewEntry(DESTINATION, camera, "events",
                    JsonBodies.bytes(JSON.createObjectNode().set("events", events)), stamped)));
            sender.wake();
            batch.forEach(p -> p.committed().success());
        } catch (RuntimeException e) {
            batch.forEach(p -> p.committed().error(e));
        }
    }

    /** The sample sink of this destination: each sample of a camera whose settings send them. */
    public SampleSink samples() {
        return (sample, jpeg) -> {
            CameraEvents c = cameras.apply(sample.cameraId());
            if (c == null || !c.samples() || throttle(sample.cameraId() + "/sample", c.cooldown())) {
                return;
            }
            byte[] body = new Envelope(JsonBodies.bytes(sampleEvent(sample, c)), jpeg).pack();
            synchronized (appendLock) {
                // the windows made before this sample go before it
                commitWaiting();
                outbox.appendAll(List.of(new Outbox.NewEntry(DESTINATION, sample.cameraId(), "sample-event", body, sample.at())));
            }
            sender.wake();
        };
    }

    /**
     * An alert of {@code cameraId} fired or cleared: a {@code safety_alert}, committed now. A daemon alert
     * ({@code storage_full}, {@code delivery_stopped}) has no camera ({@code cameraId} null): it goes without camera
     * fields ({@code streamId}, the camera's metadata), and waits in the outbox in a line of its own.
     */
    public void alert(String cameraId, String signal, boolean firing, Instant at, double baseline, double current, String message) {
        // never looked up for a daemon alert: the daemon's lookup (a ConcurrentHashMap) throws on a null key
        CameraEvents c = cameraId == null ? null : cameras.apply(cameraId);
        if (c != null && !c.alerts()) {
            return;
        }
        ObjectNode e = base(c == null ? null : cameraId, "safety_alert", at);
        String severity = !firing ? "low" : signal.startsWith("source_down") || signal.startsWith("error_rate")
                || signal.startsWith("malformed") || signal.startsWith("storage_full") || signal.startsWith("delivery") ? "high" : "medium";
        e.putObject("eventData").put("alertType", signal).put("severity", severity)
                .put("description", truncate(firing || message != null && message.startsWith("cleared") ? message : "cleared: " + message));
        ObjectNode meta = metadata(c);
        meta.put("firing", firing);
        if (Double.isFinite(baseline)) {
            meta.put("baseline", baseline);
        }
        if (Double.isFinite(current)) {
            meta.put("current", current);
        }
        e.set("customMetadata", meta);
        ArrayNode one = JSON.createArrayNode().add(e);
        byte[] body = JsonBodies.bytes(JSON.createObjectNode().set("events", one));
        synchronized (appendLock) {
            // the windows made before this alert go before it
            commitWaiting();
            outbox.append(DESTINATION, cameraId == null ? DAEMON : cameraId, "events", body);
        }
        sender.wake();
    }

    /** An event stamped on a clock known wrong, never corrected: {@code clock_suspect} in its customMetadata. */
    private static void flagged(JsonNode e) {
        if (e instanceof ObjectNode event) {
            JsonNode meta = event.get("customMetadata");
            (meta instanceof ObjectNode m ? m : event.putObject("customMetadata")).put(JsonRestamper.FLAG, "true");
        }
    }

    private boolean throttle(String key, Duration cooldown) {
        if (cooldown.isZero() || cooldown.isNegative()) {
            return false;
        }
        long now = System.nanoTime();
        Long last = lastDispatched.get(key);
        if (last != null && now - last < cooldown.toNanos()) {
            throttled.incrementAndGet();
            return true;
        }
        lastDispatched.put(key, now);
        return false;
    }

    private ObjectNode base(String cameraId, String type, Instant at) {
        ObjectNode e = JSON.createObjectNode().put("eventId", UUID.randomUUID().toString()).put("eventType", type)
                .put("timestamp", at.truncatedTo(ChronoUnit.MILLIS).toString());
        if (options.deviceId() != null) {
            e.put("deviceId", options.deviceId());
        }
        if (cameraId != null) {
            e.put("streamId", cameraId);
        }
        return e;
    }

    private static ObjectNode metadata(CameraEvents c) {
        ObjectNode meta = JSON.createObjectNode();
        if (c != null) {
            c.metadata().forEach((k, v) -> meta.put(k, truncate(v)));
        }
        return meta;
    }

    ObjectNode windowEvent(WindowReport r, CameraEvents c) {
        ObjectNode e = base(r.cameraId(), c.eventType(), r.windowEnd());
        StringBuilder summary = new StringBuilder();
        boolean fail = false;
        for (ClassStats s : r.classStats()) {
            summary.append(summary.length() == 0 ? "" : ", ").append(s.count()).append(' ').append(s.className());
            fail |= c.failClasses().contains(s.className());
        }
        eventData(e, c, fail, summary.length() == 0 ? "nothing seen" : summary.toString());
        ObjectNode meta = metadata(c);
        meta.put("model", truncate(r.modelId())).put("window_start", r.windowStart().truncatedTo(ChronoUnit.MILLIS).toString())
                .put("frames_seen", r.framesSeen()).put("frames_inferred", r.framesInferred()).put("inference_errors", r.inferenceErrors());
        int omitted = 0;
        for (ClassStats s : r.classStats()) {
            String k = key(s.className());
            if (meta.size() + 3 > MAX_METADATA_KEYS) {
                omitted++;
                continue;
            }
            meta.put("count " + k, s.count());
        }
        for (ClassResult best : r.inferenceResults()) {
            if (meta.size() + 2 > MAX_METADATA_KEYS) {
                break;
            }
            meta.put("best " + key(best.className()), best.confidence());
        }
        if (omitted > 0) {
            meta.put("classes omitted", omitted);
        }
        e.set("customMetadata", meta);
        return e;
    }

    ObjectNode sampleEvent(Sample s, CameraEvents c) {
        ObjectNode e = base(s.cameraId(), c.eventType(), s.at());
        boolean fail = s.predictions().stream().anyMatch(p -> c.failClasses().contains(p.className()));
        eventData(e, c, fail, "sample by " + s.strategy() + ": " + s.predictions().size() + " prediction(s)");
        ObjectNode meta = metadata(c);
        meta.put("strategy", s.strategy()).put("sample", s.id()).put("model", truncate(s.modelId()));
        e.set("customMetadata", meta);
        ObjectNode image = e.putArray("images").addObject();
        ArrayNode boxes = JSON.createArrayNode();
        ArrayNode classes = JSON.createArrayNode();
        for (Prediction p : s.predictions()) {
            String name = p.className().isEmpty() ? "unknown" : p.className();
            double confidence = Math.max(0, Math.min(1, p.confidence()));
            if (p.box() != null && boxes.size() < MAX_DETECTIONS) {
                boxes.addObject().put("class", name).put("x", p.box().x()).put("y", p.box().y()).put("width", p.box().width())
                        .put("height", p.box().height()).put("confidence", confidence);
            } else if (p.box() == null && classes.size() < MAX_DETECTIONS) {
                classes.addObject().put("class", name).put("confidence", confidence);
            }
        }
        if (!boxes.isEmpty()) {
            image.set("objectDetections", boxes);
        }
        if (!classes.isEmpty()) {
            image.set("classifications", classes);
        }
        e.put("displayImagePosition", 0);
        return e;
    }

    private static void eventData(ObjectNode e, CameraEvents c, boolean fail, String value) {
        ObjectNode data = e.putObject("eventData");
        if ("quality_check".equals(c.eventType())) {
            data.put("result", fail ? "fail" : "pass");
        } else {
            data.put("value", truncate(value));
        }
    }

    /** A class name as a metadata key: what Vision Events refuses in a key becomes '_'. */
    private static String key(String name) {
        String k = NOT_KEY.matcher(name.isEmpty() ? "unknown" : name).replaceAll("_");
        return k.length() > 90 ? k.substring(0, 90) : k;
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > MAX_STRING ? s.substring(0, MAX_STRING) : s;
    }

    /** A batch as it is; a sample's image first, its sourceId recorded, then its event. */
    private final class Steps implements OutboxSender.Transport {
        @Override
        public Mono<Void> apply(String kind, byte[] body) {
            throw new UnsupportedOperationException("sent as whole entries");
        }

        @Override
        public Mono<Void> send(OutboxEntry entry, OutboxSender.Progress progress) {
            if ("events".equals(entry.kind())) {
                ArrayNode events = (ArrayNode) JsonBodies.read(entry.body()).path("events");
                return Mono.defer(() -> client.send(events.deepCopy()))
                        .onErrorResume(e -> e instanceof DeliveryException d && d.rejected() && events.size() > 1,
                                e -> oneByOne(events, progress));
            }
            Envelope envelope = Envelope.unpack(entry.body());
            ObjectNode event = (ObjectNode) JsonBodies.read(envelope.header());
            String name = entry.cameraId() + "-" + event.path("customMetadata").path("sample").asText("image") + ".jpg";
            return client.upload(name, envelope.image()).flatMap(sourceId -> {
                ((ObjectNode) event.path("images").get(0)).put("sourceId", sourceId);
                ArrayNode one = JSON.createArrayNode().add(event);
                return progress.step("events", JsonBodies.bytes(JSON.createObjectNode().set("events", one)))
                        .then(Mono.defer(() -> client.send(one)));
            });
        }
    }

    /**
     * A batch the server refused: its events are sent one at a time, so that only those it refuses alone are set aside
     * (the entry is rewritten to them, then fails with the first refusal, and goes to the dead letters); the others
     * are delivered. A retryable failure meanwhile fails the entry as it is: the retry sends it whole again, and the
     * events already delivered are overwritten, not duplicated (their eventIds are fixed).
     */
    private Mono<Void> oneByOne(ArrayNode events, OutboxSender.Progress progress) {
        ArrayNode refused = JSON.createArrayNode();
        List<DeliveryException> why = new ArrayList<>();
        return reactor.core.publisher.Flux.fromIterable(events)
                .concatMap(event -> client.send(JSON.createArrayNode().add(event.deepCopy()))
                        .onErrorResume(e -> e instanceof DeliveryException d && d.rejected(), e -> {
                            refused.add(event);
                            why.add((DeliveryException) e);
                            return Mono.empty();
                        }))
                .then(Mono.defer(() -> {
                    if (refused.isEmpty()) {
                        return Mono.<Void>empty();
                    }
                    DeliveryException first = why.get(0);
                    log.warn("{}: {} of a batch of {} events refused alone ({}); the others are delivered", DESTINATION,
                            refused.size(), events.size(), first.getMessage());
                    return progress.step("events", JsonBodies.bytes(JSON.createObjectNode().set("events", refused)))
                            .then(Mono.<Void>error(first));
                }));
    }

    @Override
    public void close() {
        close(OutboxSender.DEFAULT_STOP_GRACE);
    }

    /** Commits what waits for company, then stops sending, all within {@code grace} (a delivery in flight gets what is left). */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        commitWaiting();
        committer.disposeGracefully().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(2));
        sender.close(SendersStop.left(deadline));
        client.close();
    }
}
