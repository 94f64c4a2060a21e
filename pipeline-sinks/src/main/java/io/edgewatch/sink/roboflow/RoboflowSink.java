package io.edgewatch.sink.roboflow;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.secret.ApiKeys;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxSender;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Reports windows to Roboflow Model Monitoring. {@link #write} commits the window's report, and a
 * metadata request carrying the camera's custom metadata for the window's inference ids when there
 * are any, to the durable {@link Outbox}, in one transaction (both or neither), and completes once
 * they are committed (with the outbox's error when it refuses them): the pipeline never waits for
 * the network. An {@link OutboxSender} delivers them.
 */
public final class RoboflowSink implements ReportSink {

    public static final String DESTINATION = "roboflow";
    private static final Logger log = LoggerFactory.getLogger(RoboflowSink.class);
    private static final int COMMIT_THREADS = 4;

    private final Outbox outbox;
    private final RoboflowBodies bodies;
    private final Map<String, Map<String, String>> metadataByCamera;
    private final RoboflowClient client;
    private final OutboxSender sender;
    private final Scheduler committer;

    private RoboflowSink(Outbox outbox, RoboflowOptions options, Map<String, Map<String, String>> metadataByCamera) {
        this.outbox = outbox;
        // read at each report, not copied: a reload updates it (a thread-safe map then)
        this.metadataByCamera = metadataByCamera;
        this.bodies = new RoboflowBodies(options, SystemInfo.read(), ZoneId.systemDefault());
        this.client = new RoboflowClient(options);
        outbox.restamper(DESTINATION, bodies.restamper());
        this.sender = new OutboxSender(outbox, DESTINATION, client::post, options.retryMin(), options.retryMax(),
                options.probeInterval(), !options.fireAndForget(), options.maxInFlight()).start();
        // several threads, so that what cameras report at once is committed together (the outbox's group commit);
        // each camera's reports still come one after another (its pipeline waits for each write)
        this.committer = Schedulers.newBoundedElastic(COMMIT_THREADS, 100_000, "edgewatch-outbox-commit");
        log.info("reporting to Roboflow Model Monitoring at {} (workspace {}, key {}), through the outbox {}",
                options.apiUrl(), options.workspace() == null ? "looked up from the key" : options.workspace(),
                ApiKeys.mask(options.apiKey().reveal()), outbox.file());
    }

    /** Starts reporting; {@code metadataByCamera} holds each camera's custom metadata, read at each report. */
    public static RoboflowSink start(Outbox outbox, RoboflowOptions options, Map<String, Map<String, String>> metadataByCamera) {
        return new RoboflowSink(outbox, options, metadataByCamera);
    }

    @Override
    public String name() {
        return DESTINATION;
    }

    @Override
    public Mono<Void> write(WindowReport report) {
        return Mono.<Void>fromRunnable(() -> {
            List<Outbox.NewEntry> entries = new ArrayList<>(2);
            // stamped when the window opened: the window a clock step closes is labelled on the clock before the step
            entries.add(new Outbox.NewEntry(DESTINATION, report.cameraId(), "report", bodies.report(report), report.windowStart()));
            byte[] metadata = bodies.metadata(report, metadataByCamera.getOrDefault(report.cameraId(), Map.of()));
            if (metadata != null) {
                entries.add(new Outbox.NewEntry(DESTINATION, report.cameraId(), "metadata", metadata, report.windowStart()));
            }
            // one transaction: a kill -9 between two commits would send the report without its metadata, never remade
            outbox.appendAll(entries);
            sender.wake();
        }).subscribeOn(committer);
    }

    /** Why delivery is stopped (status, redirect target), credentials redacted; null while it is not. */
    public String stopReason() {
        return sender.stopReason();
    }

    /** Whether delivery is stopped until a person fixes the key, credits or workspace. */
    public boolean stopped() {
        return sender.isStopped();
    }

    @Override
    public void close() {
        close(OutboxSender.DEFAULT_STOP_GRACE);
    }

    /** Closes, giving a delivery in flight up to {@code grace} to finish and record its result. */
    public void close(Duration grace) {
        sender.close(grace);
        client.close();
        committer.dispose();
    }
}
