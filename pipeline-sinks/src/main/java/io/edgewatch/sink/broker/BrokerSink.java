package io.edgewatch.sink.broker;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.sink.outbox.DeliveryException;
import io.edgewatch.sink.outbox.JsonRestamper;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxEntry;
import io.edgewatch.sink.outbox.OutboxSender;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A message broker as one more outbox destination. {@link #write} commits the window's message
 * ({@link BrokerJson}, its {@code message_id} fixed now) as an entry of the destination
 * ({@code mqtt}, {@code kafka}) and completes once it is committed (with the outbox's error when it
 * refuses it): the pipeline never waits for the broker. {@link #alert} does the same for an alert,
 * at once; the daemon's own alerts wait in a line of their own ({@value #DAEMON}). An
 * {@link OutboxSender} hands the entries to the {@link BrokerClient}, each camera's in the order
 * they were committed, at most {@link BrokerOptions#maxInFlight()} at once; an entry is deleted
 * only once the broker acknowledged it. A publish that gets no acknowledgement within the
 * destination's timeout is cancelled and retried; what the client reports is sorted by
 * {@link BrokerFailures}: retried with backoff, the destination stopped (the data kept, the oldest
 * entry tried every probe interval, {@code delivery_stopped:NAME} raised by whoever watches
 * {@link #stopped()}), or set aside as a dead letter.
 */
public final class BrokerSink implements ReportSink {

    /** The outbox's camera id of the daemon's own alerts. */
    public static final String DAEMON = "daemon";
    private static final Logger log = LoggerFactory.getLogger(BrokerSink.class);
    private static final int COMMIT_THREADS = 4;

    private final Outbox outbox;
    private final BrokerOptions options;
    private final BrokerClient client;
    private final Map<String, Map<String, String>> metadataByCamera;
    private final OutboxSender sender;
    private final Scheduler committer;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private BrokerSink(Outbox outbox, BrokerOptions options, BrokerClient client, Map<String, Map<String, String>> metadataByCamera) {
        this.outbox = outbox;
        this.options = options;
        this.client = client;
        // read at each report, not copied: a reload updates it (a thread-safe map then)
        this.metadataByCamera = metadataByCamera;
        this.committer = Schedulers.newBoundedElastic(COMMIT_THREADS, 100_000, "edgewatch-" + options.destination() + "-commit");
        client.connect().subscribe(
                v -> { },
                e -> log.warn("{}: not connected to {} yet ({}); what is committed waits in the outbox", options.destination(),
                        client.describe(), e.getMessage()),
                () -> log.info("{}: connected to {}", options.destination(), client.describe()));
        // what is made while the wall clock is known wrong is held, and moved by the step that corrects it, as the others'
        outbox.restamper(options.destination(), JsonRestamper.of(ZoneOffset.UTC, "window_start", "window_end", "at", "timestamp"));
        this.sender = new OutboxSender(outbox, options.destination(), new Transport(), options.retryMin(), options.retryMax(),
                options.probeInterval(), false, options.maxInFlight()).start();
        log.info("{}: publishing {} to {}, through the outbox {}", options.destination(),
                options.windows() && options.alerts() ? "windows and alerts" : options.windows() ? "windows" : "alerts",
                client.describe(), outbox.file());
    }

    /** Starts the destination {@code destination} describes, with a client made from it; {@code metadataByCamera} is read at each window. */
    public static BrokerSink start(Outbox outbox, BrokerDestination destination, BrokerContext context,
                                   Map<String, Map<String, String>> metadataByCamera) {
        return start(outbox, destination.broker(), destination.newClient(context), metadataByCamera);
    }

    /** Starts a destination on {@code client} (which it connects, and closes with itself). */
    public static BrokerSink start(Outbox outbox, BrokerOptions options, BrokerClient client,
                                   Map<String, Map<String, String>> metadataByCamera) {
        return new BrokerSink(outbox, options, client, metadataByCamera);
    }

    @Override
    public String name() {
        return options.destination();
    }

    public BrokerOptions options() {
        return options;
    }

    @Override
    public Mono<Void> write(WindowReport report) {
        if (!options.windows()) {
            return Mono.empty();
        }
        return Mono.<Void>fromRunnable(() -> {
            byte[] body = BrokerJson.window(report, options.deviceId(), metadataByCamera.getOrDefault(report.cameraId(), Map.of()),
                    BrokerJson.uuidV7());
            // stamped when the window opened: a window the correcting step closes is held and moved too
            outbox.appendAll(List.of(new Outbox.NewEntry(options.destination(), report.cameraId(), BrokerJson.WINDOW, body,
                    report.windowStart())));
            sender.wake();
        }).subscribeOn(committer);
    }

    /**
     * An alert of {@code cameraId} (null for the daemon's own: {@code delivery_stopped}, {@code storage_full}) fired or
     * cleared: committed now, on the caller's thread (a blocking write to the outbox). Nothing when alerts are off.
     */
    public void alert(String cameraId, String signal, boolean firing, Instant at, double baseline, double current, String message) {
        if (!options.alerts()) {
            return;
        }
        byte[] body = BrokerJson.alert(options.deviceId(), cameraId, signal, firing, at, baseline, current, message,
                BrokerJson.uuidV7());
        outbox.appendAll(List.of(new Outbox.NewEntry(options.destination(), cameraId == null ? DAEMON : cameraId, BrokerJson.ALERT,
                body, at)));
        sender.wake();
    }

    /** The cameras that send here now (at start and after every reload): the client clears what it published for others. */
    public void cameras(Set<String> cameraIds) {
        client.cameras(Set.copyOf(cameraIds));
    }

    private Mono<Void> publish(OutboxEntry entry) {
        // a body without its message_id fails here, before any publish: the sender sets it aside
        BrokerMessage message = BrokerMessage.of(entry);
        return Mono.defer(() -> {
            sent.incrementAndGet();
            return client.publish(message);
        }).timeout(options.timeout())
                .onErrorMap(e -> BrokerFailures.classify(options.destination(), e, x -> BrokerFailures.Kind.RETRY))
                .doOnSuccess(v -> acknowledged.incrementAndGet())
                .doOnError(e -> {
                    if (e instanceof DeliveryException d && d.retryable()) {
                        retried.incrementAndGet();
                    }
                });
    }

    /** Whether delivery is stopped until a person fixes the credentials, the authorisation or the certificates. */
    public boolean stopped() {
        return sender.isStopped();
    }

    /** Why delivery is stopped, redacted; null while it is not. */
    public String stopReason() {
        return sender.stopReason();
    }

    /** The connection's state and the counts since the start, for {@code /healthz}, the metrics and the status. */
    public DestinationStats stats() {
        return new DestinationStats(options.destination(), client.state(), sender.isStopped(), sent.get(), acknowledged.get(),
                retried.get(), client.describe());
    }

    @Override
    public void close() {
        close(OutboxSender.DEFAULT_STOP_GRACE);
    }

    /** Stops sending (a publish in flight gets {@code grace} to be acknowledged), then disconnects cleanly. */
    public void close(Duration grace) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        committer.disposeGracefully().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(2));
        sender.close(grace);
        client.close(grace);
    }

    private final class Transport implements OutboxSender.Transport {
        @Override
        public Mono<Void> apply(String kind, byte[] body) {
            throw new UnsupportedOperationException("sent as whole entries");
        }

        @Override
        public Mono<Void> send(OutboxEntry entry, OutboxSender.Progress progress) {
            return publish(entry);
        }
    }
}
