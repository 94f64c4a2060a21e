package io.edgewatch.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import io.edgewatch.daemon.config.EdgewatchConfig;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.roboflow.DatasetSink;
import io.edgewatch.sink.roboflow.RoboflowSink;
import io.edgewatch.sink.roboflow.VisionEventsSink;
import io.edgewatch.sink.webhook.Webhook;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgewatch outbox}: what waits to be delivered, per destination (depth, oldest age, dead
 * letters, stopped and why), and the dead letters; {@code --retry-dead-letters} puts them back in
 * the queue. Works while the daemon runs (the outbox is SQLite in WAL mode) and without it.
 */
@Command(name = "outbox", mixinStandardHelpOptions = true,
        description = "Shows what waits in the outbox, per destination, and its dead letters; exits 0, 1 if it cannot be read.")
final class OutboxCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final int SHOWN_DEAD_LETTERS = 50;

    @CommandLine.Mixin
    Edgewatch.ConfigOption options;

    @Option(names = "--retry-dead-letters", description = "put every dead letter back in the queue to be sent again")
    boolean retry;

    @Override
    public Integer call() {
        PrintWriter out = options.spec.commandLine().getOut();
        PrintWriter err = options.spec.commandLine().getErr();
        EdgewatchConfig c = Edgewatch.loadOrReport(options.config, err);
        if (c == null) {
            return Edgewatch.INVALID;
        }
        Path folder = c.storage().path();
        if (!Files.exists(folder.resolve("outbox.db"))) {
            out.println("no outbox at " + folder.resolve("outbox.db") + ": nothing was ever queued for delivery");
            out.flush();
            return Edgewatch.OK;
        }
        List<String> known = new ArrayList<>();
        if (c.roboflow() != null) {
            known.add(RoboflowSink.DESTINATION);
        }
        if (c.alertWebhook() != null) {
            known.add(Webhook.DESTINATION);
        }
        if (c.visionEvents() != null) {
            known.add(VisionEventsSink.DESTINATION);
        }
        known.addAll(c.brokers().keySet());
        c.enabledCameras().stream().filter(cam -> cam.samples() != null && cam.samples().project() != null && c.roboflow() != null)
                .map(cam -> DatasetSink.destination(cam.samples().project())).distinct().forEach(known::add);
        try (Outbox outbox = Outbox.openBeside(folder, c.storage().outboxMaxEntries(), Clock.systemUTC())) {
            if (retry) {
                int n = outbox.retryDeadLetters();
                long left = outbox.deadLetters();
                out.println(n + " dead letter(s) put back in the queue" + (n == 0 ? "" : ": a running daemon sends them within a second,"
                        + " or the next start does") + (left == 0 ? "" : "; " + left + " stay dead letters, as the queue is full"
                        + " (storage.outbox_max_entries): try again once it has room"));
            }
            out.println("outbox " + outbox.file());
            // what a start found damaged and moved aside (its salvage counts are in that start's log and alert)
            try (Stream<Path> aside = Files.list(folder)) {
                aside.map(p -> p.getFileName().toString()).filter(n -> n.matches("outbox\\.db\\.damaged-[0-9TZ-]+"))
                        .sorted().forEach(n -> out.println("  damaged, moved aside: " + folder.resolve(n)));
            } catch (IOException e) {
                out.println("  (cannot list " + folder + ": " + e.getMessage() + ")");
            }
            for (Outbox.DestinationReport d : outbox.report(known)) {
                out.println("  " + d.destination() + ": " + d.depth() + " waiting" + (d.depth() == 0 ? ""
                        : " (oldest " + age(d.oldestAgeMillis()) + ")") + ", " + d.deadLetters() + " dead letter(s); "
                        + (d.stopped() ? "STOPPED since " + local(d.sinceMillis()) + ": " + d.reason() : "delivering"));
            }
            List<Outbox.DeadLetter> dead = outbox.deadLetterList(SHOWN_DEAD_LETTERS);
            if (!dead.isEmpty()) {
                out.println("dead letters (never accepted; --retry-dead-letters sends them again):");
                for (Outbox.DeadLetter d : dead) {
                    out.println("  #" + d.id() + " " + d.destination() + " " + d.kind() + " of camera " + d.cameraId() + " from "
                            + local(d.createdAtMillis()) + ": " + (c.brokers().containsKey(d.destination()) ? "" : "HTTP " + d.status() + ": ")
                            + d.reason());
                }
            }
            out.flush();
            return Edgewatch.OK;
        } catch (IllegalStateException e) {
            err.println(e.getMessage());
            err.flush();
            return Edgewatch.FAILED;
        }
    }

    private static String local(long millis) {
        return LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault()).format(TIME);
    }

    private static String age(long millis) {
        long s = millis / 1000;
        return s < 60 ? s + " s" : s < 3600 ? s / 60 + " min " + s % 60 + " s" : s / 3600 + " h " + s / 60 % 60 + " min";
    }
}
