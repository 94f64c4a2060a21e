package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.Version;
import io.edgewatch.testkit.DaemonProcess;
import io.edgewatch.testkit.RoboflowStandIn;

/**
 * The daemon as a child process under Debian's libfaketime, its wall clock stepped +1 h and back
 * (as NTP does to a board that booted without a battery-backed clock), the monotonic clock left
 * alone: no report is negative or an hour long, the two windows the steps closed say
 * {@code clock_step_s}, each step is logged once and raised once as {@code clock_step}, and no
 * other alert fires. libfaketime comes from {@code scripts/install-test-deps} (package
 * {@code libfaketime}).
 */
class ClockStepTest {

    static final int WINDOW_SECONDS = 2;
    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * What the wrong-clock test takes for a window's length: what it checks is the re-stamp, not the pacing (the test
     * above does), and a busy box has made a 2 s window 3.5 s long at a start.
     */
    static final Duration PLAUSIBLE = Duration.ofSeconds(WINDOW_SECONDS * 5L);

    @TempDir
    Path dir;

    @Test
    void stepsOfTheWallClockCutTheWindowsThereAndNoReportIsNegativeOrHoursLong() throws Exception {
        Path faketime = libfaketime().orElseThrow(() -> new AssertionError(
                "libfaketimeMT.so.1 not found under /usr/lib: run scripts/install-test-deps (Debian's libfaketime)"));
        Path offset = dir.resolve("faketime");
        Files.writeString(offset, "+0\n");
        Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA.replace("frequency: 1", "frequency: " + WINDOW_SECONDS));
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of(
                "LD_PRELOAD", faketime.toString(),
                "FAKETIME_TIMESTAMP_FILE", offset.toString(),
                "FAKETIME_NO_CACHE", "1",
                "FAKETIME_DONT_FAKE_MONOTONIC", "1"));
        try {
            awaitWindows(3, log);
            Files.writeString(offset, "+1h\n");
            awaitWindows(7, log);
            Files.writeString(offset, "+0\n");
            awaitWindows(11, log);
            daemon.destroy();
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("the daemon stops on SIGTERM").isTrue();
        } finally {
            daemon.destroyForcibly();
        }
        String text = Files.readString(log);
        assertThat(daemon.exitValue()).as(text).isZero();
        List<JsonNode> reports = ConfigFolder.reports(dir);
        for (JsonNode r : reports) {
            Duration length = Duration.between(Instant.parse(r.get("window_start").asText()), Instant.parse(r.get("window_end").asText()));
            // a window a step closes lasts between half a period and one and a half
            assertThat(length).as("length of %s", r).isBetween(Duration.ZERO, Duration.ofMillis(WINDOW_SECONDS * 1_500L + 200));
        }
        List<Double> steps = reports.stream().filter(r -> r.has("clock_step_s")).map(r -> r.get("clock_step_s").asDouble()).toList();
        assertThat(steps).as("the reports the steps closed").hasSize(2);
        assertThat(steps.get(0)).isCloseTo(3600, offset(5.0));
        assertThat(steps.get(1)).isCloseTo(-3600, offset(5.0));
        List<String> lines = text.lines().toList();
        assertThat(lines.stream().filter(l -> l.contains("WARN") && l.contains("ClockWatch: the wall clock stepped"))).as(text).hasSize(2);
        assertThat(lines.stream().filter(l -> l.contains("ALERT clock_step"))).as(text).hasSize(2);
        assertThat(lines.stream().filter(l -> l.contains("ALERT") && !l.contains("ALERT clock_step"))).as("other alerts").isEmpty();
    }

    /**
     * A board that boots years back (no battery-backed clock) until NTP steps it to now: the reports made meanwhile
     * wait in the outbox, reach Roboflow only after the step, re-stamped to the corrected times (after the build,
     * before the step, in order, a window apart), none flagged; the JSONL file (written at once) flags them.
     */
    @Test
    void reportsMadeOnAClockBeforeTheBuildReachRoboflowOnlyAfterTheStepReStampedByIt() throws Exception {
        Path faketime = libfaketime().orElseThrow(() -> new AssertionError(
                "libfaketimeMT.so.1 not found under /usr/lib: run scripts/install-test-deps (Debian's libfaketime)"));
        Instant built = Version.builtAt().orElseThrow(() -> new AssertionError("the build does not say its time"));
        Path offset = dir.resolve("faketime");
        Files.writeString(offset, "-3000d\n");
        try (RoboflowStandIn roboflow = new RoboflowStandIn("ws")) {
            Path cfg = ConfigFolder.write(dir, "", ConfigFolder.PATTERN_CAMERA.replace("frequency: 1", "frequency: " + WINDOW_SECONDS));
            Files.writeString(cfg.resolve("edgewatch.yaml"), """
                    roboflow:
                      api_key: ${ROBOFLOW_API_KEY}
                      api_url: %s
                      workspace: ws
                      retry_max: 1s
                    """.formatted(roboflow.url()), StandardOpenOption.APPEND);
            Path log = dir.resolve("daemon.log");
            Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of(
                    "ROBOFLOW_API_KEY", "rf_clock_test_key",
                    "LD_PRELOAD", faketime.toString(),
                    "FAKETIME_TIMESTAMP_FILE", offset.toString(),
                    "FAKETIME_NO_CACHE", "1",
                    "FAKETIME_DONT_FAKE_MONOTONIC", "1"));
            Instant step;
            int heldWindows;
            try {
                awaitWindows(4, log);
                // an idle sender looks every second: a report not held would have gone already
                Thread.sleep(3000);
                assertThat(roboflow.to("/ws/inference-stats")).as("nothing sent while the clock is wrong").isEmpty();
                heldWindows = ConfigFolder.reports(dir).size();
                step = Instant.now();
                Files.writeString(offset, "+0\n");
                awaitWindows(heldWindows + 4, log);
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                while (roboflow.to("/ws/inference-stats?").size() < heldWindows + 3) {
                    assertThat(System.nanoTime()).as("the held reports delivered: %s", Files.readString(log)).isLessThan(deadline);
                    Thread.sleep(100);
                }
                daemon.destroy();
                assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("the daemon stops on SIGTERM").isTrue();
            } finally {
                daemon.destroyForcibly();
            }
            String text = Files.readString(log);
            assertThat(daemon.exitValue()).as(text).isZero();
            List<Instant> stamps = new ArrayList<>();
            for (RoboflowStandIn.Request r : roboflow.to("/ws/inference-stats?")) {
                JsonNode body = JSON.readTree(r.body());
                assertThat(body.has("clock_suspect")).as("flagged: %s", r.body()).isFalse();
                stamps.add(LocalDateTime.parse(body.get("timestamp").asText()).atZone(ZoneId.systemDefault()).toInstant());
            }
            assertThat(stamps).as("after the build: %s", stamps).allSatisfy(t -> assertThat(t).isAfter(built));
            assertThat(stamps.stream().filter(t -> t.isBefore(step)).count()).as("re-stamped to before the step: %s", stamps)
                    .isGreaterThanOrEqualTo(heldWindows);
            for (int i = 1; i < stamps.size(); i++) {
                // a window's end each, about a window apart (the one the step closed may be shorter, one a busy box
                // delayed longer): in order, and nowhere near the years of the step
                assertThat(Duration.between(stamps.get(i - 1), stamps.get(i))).as("from report %d to %d: %s", i - 1, i, stamps)
                        .isBetween(Duration.ZERO, PLAUSIBLE);
            }
            List<JsonNode> reports = ConfigFolder.reports(dir);
            for (JsonNode r : reports) {
                Instant start = Instant.parse(r.get("window_start").asText());
                Duration length = Duration.between(start, Instant.parse(r.get("window_end").asText()));
                assertThat(length).as("length of %s", r).isBetween(Duration.ZERO, PLAUSIBLE);
                assertThat(r.path("clock_suspect").asBoolean()).as("flagged in the file: %s", r).isEqualTo(start.isBefore(built));
            }
            assertThat(reports.stream().filter(r -> r.has("clock_suspect")).count()).isGreaterThanOrEqualTo(heldWindows);
            List<String> lines = text.lines().toList();
            assertThat(lines.stream().filter(l -> l.contains("WARN") && l.contains("ClockWatch: the wall clock stepped"))).as(text).hasSize(1);
            assertThat(lines.stream().filter(l -> l.contains("re-stamped by") && l.contains("released"))).as(text).isNotEmpty();
            assertThat(lines.stream().filter(l -> l.contains("ALERT") && !l.contains("ALERT clock_step"))).as("other alerts").isEmpty();
        }
    }

    /** Waits (up to 3 minutes: a JVM start on a loaded box) until the daemon wrote {@code n} complete windows. */
    private void awaitWindows(int n, Path log) throws Exception {
        Path file = dir.resolve("out/reports.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(file) || Files.readString(file).lines().filter(l -> l.endsWith("}")).count() < n) {
            assertThat(System.nanoTime()).as("%d windows within 3 minutes: %s", n,
                    Files.exists(log) ? Files.readString(log) : "(no log)").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static Optional<Path> libfaketime() throws Exception {
        try (Stream<Path> found = Files.find(Path.of("/usr/lib"), 4, (p, a) -> p.getFileName().toString().equals("libfaketimeMT.so.1"))) {
            return found.findFirst();
        }
    }
}
