package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.testkit.DaemonProcess;

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
