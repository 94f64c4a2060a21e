package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.sink.outbox.Outbox;

/** {@code edgewatch outbox}: per destination what waits and why, the dead letters, and putting them back; beside an open outbox. */
class OutboxCommandTest {

    @TempDir
    Path dir;

    private String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Edgewatch.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void showsEachDestinationsBacklogStopAndDeadLettersAndPutsThemBackWhileTheOutboxIsOpen() throws Exception {
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                roboflow:
                  api_key: rf_outbox_command_key
                  workspace: ws
                vision_events:
                  api_key: ve_outbox_command_key
                  use_case_id: uc-1
                alerts:
                  webhook:
                    url: http://127.0.0.1:9/hook
                """.formatted(dir.resolve("var")));
        Files.writeString(cfg.resolve("cameras/dock.yaml"), """
                id: dock-3
                source: {type: test_pattern}
                inference: {type: motion}
                samples:
                  strategies: [{name: all, type: random}]
                  roboflow: {project: docks}
                """);
        assertThat(run("outbox", "--config", cfg.toString())).contains("no outbox at " + dir.resolve("var/outbox.db"));

        // the daemon's own outbox stays open meanwhile: the command reads and writes beside it
        try (Outbox daemon = Outbox.open(dir.resolve("var"), 1000, Clock.systemUTC())) {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            long first = daemon.append("roboflow", "dock-3", "report", body);
            daemon.append("roboflow", "dock-3", "metadata", body);
            daemon.append("roboflow", "dock-3", "report", body);
            daemon.deadLetter(first, 400, "Unsuccessful request to Roboflow API with response code: 400");
            daemon.destinationState("roboflow", true, "Roboflow API answered HTTP 302 redirect to http://proxy.example/x?…");

            String shown = run("outbox", "--config", cfg.toString());
            assertThat(shown).contains("roboflow: 2 waiting (oldest ")
                    .contains("1 dead letter(s); STOPPED since ")
                    .contains("HTTP 302 redirect to http://proxy.example/x?…")
                    .contains("alert-webhook: 0 waiting, 0 dead letter(s); delivering")
                    .contains("vision-events: 0 waiting, 0 dead letter(s); delivering")
                    .contains("roboflow-dataset:docks: 0 waiting, 0 dead letter(s); delivering")
                    .contains("#" + first + " roboflow report of camera dock-3 from ")
                    .contains("HTTP 400: Unsuccessful request to Roboflow API with response code: 400");

            String retried = run("outbox", "--config", cfg.toString(), "--retry-dead-letters");
            assertThat(retried).contains("1 dead letter(s) put back in the queue").contains("roboflow: 3 waiting")
                    .doesNotContain("dead letters (never accepted");
            assertThat(daemon.oldest("roboflow", 1)).singleElement().satisfies(e -> assertThat(e.id()).isEqualTo(first));
            assertThat(daemon.deadLetters()).isZero();
        }
    }

    @Test
    void deadLettersArePutBackOnlyAsFarAsTheQueueHasRoomAndTheRestAreNamed() throws Exception {
        // review-outbox 11: --retry-dead-letters put every dead letter back, past storage.outbox_max_entries
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                  outbox_max_entries: 10
                roboflow:
                  api_key: rf_outbox_command_key
                  workspace: ws
                """.formatted(dir.resolve("var")));
        try (Outbox daemon = Outbox.open(dir.resolve("var"), 10, Clock.systemUTC())) {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 3; i++) {
                daemon.deadLetter(daemon.append("roboflow", "dock-3", "report", body), 400, "refused");
            }
            for (int i = 0; i < 9; i++) {
                daemon.append("roboflow", "dock-3", "report", body);
            }
            assertThat(run("outbox", "--config", cfg.toString(), "--retry-dead-letters"))
                    .contains("1 dead letter(s) put back in the queue")
                    .contains("2 stay dead letters, as the queue is full (storage.outbox_max_entries)")
                    .contains("roboflow: 10 waiting");
            assertThat(daemon.deadLetters()).isEqualTo(2);
        }
    }

    @Test
    void listsTheMqttDestinationAndItsDeadLettersWithoutAnHttpStatus() throws Exception {
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                storage:
                  path: %s
                mqtt:
                  url: tcp://127.0.0.1:1883
                """.formatted(dir.resolve("var")));
        Files.writeString(cfg.resolve("cameras/dock.yaml"), "id: dock-3\nsource: {type: test_pattern}\ninference: {type: motion}\n");
        try (Outbox daemon = Outbox.open(dir.resolve("var"), 1000, Clock.systemUTC())) {
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            long first = daemon.append("mqtt", "dock-3", "window", body);
            daemon.append("mqtt", "dock-3", "window", body);
            daemon.deadLetter(first, 400, "mqtt: payload too large");
            String shown = run("outbox", "--config", cfg.toString());
            assertThat(shown).contains("mqtt: 1 waiting (oldest ").contains("1 dead letter(s); delivering")
                    .contains("#" + first + " mqtt window of camera dock-3 from ").contains(": mqtt: payload too large")
                    .doesNotContain("HTTP 400");
        }
    }
}
