package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.testkit.BadMedia;
import io.edgewatch.testkit.DaemonProcess;

/**
 * The corpus of bad media ({@link BadMedia}: zero bytes, random bytes, a PNG renamed, audio only,
 * truncated, corrupted H.264, a resolution change mid-stream, 8K frames), each a camera of one
 * daemon beside a healthy test-pattern camera: every bad file says what is wrong with it, once and
 * in the log's own format, none takes the healthy camera's frames, and none takes the process down.
 */
class MediaCorpusTest {

    /** Seconds the daemon runs. */
    static final int RUN_SECONDS = 20;
    static final int WINDOW_SECONDS = 2;
    static final int PATTERN_FPS = 25;
    static final Pattern LOG_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO |WARN |ERROR) \\[.*");

    static final String HEALTHY = """
            id: healthy
            source:
              type: test_pattern
              size: 320x240
              rate: %d
            inference:
              type: motion
            aggregation:
              frequency: %d
            """.formatted(PATTERN_FPS, WINDOW_SECONDS);

    @Test
    void eachBadFileSaysWhatIsWrongOnceAndTheHealthyCameraKeepsItsFrameRate(@TempDir Path dir) throws Exception {
        // the healthy camera alone first, in this run and on this box: what the corpus must not take from it
        Path aloneDir = dir.resolve("alone");
        Process alone = DaemonProcess.run(Edgewatch.class, ConfigFolder.write(aloneDir, "", HEALTHY),
                aloneDir.resolve("daemon.log"), Map.of());
        try {
            awaitWindows(aloneDir, 5, aloneDir.resolve("daemon.log"));
        } finally {
            alone.destroy();
            assertThat(alone.waitFor(60, TimeUnit.SECONDS)).as("the daemon stops on SIGTERM").isTrue();
            alone.destroyForcibly();
        }
        double aloneMean = meanOfFullWindows(ConfigFolder.reports(aloneDir));

        Map<String, Path> media = BadMedia.writeAll(dir.resolve("media"));
        Path cfg = ConfigFolder.write(dir, "", HEALTHY);
        media.forEach((name, file) -> write(cfg.resolve("cameras").resolve(name + ".yaml"), """
                id: %s
                source:
                  type: file
                  path: %s
                  loop: %s
                inference:
                  type: none
                aggregation:
                  frequency: %d
                """.formatted(name, file, name.equals("png-renamed") || name.equals("corrupted-h264"), WINDOW_SECONDS)));
        Path log = dir.resolve("daemon.log");
        Process daemon = DaemonProcess.run(Edgewatch.class, cfg, log, Map.of());
        try {
            // RUN_SECONDS of the healthy camera's windows, however long this box takes to start a JVM now
            awaitWindows(dir, RUN_SECONDS / WINDOW_SECONDS, log);
        } finally {
            daemon.destroy();
            assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("the daemon stops on SIGTERM").isTrue();
            daemon.destroyForcibly();
        }
        String text = Files.readString(log);
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        assertThat(daemon.exitValue()).as(text).isZero();

        // FFmpeg writes nothing beside the log: every line is one of ours, in our format
        assertThat(lines).as("lines outside the log format").allMatch(l -> LOG_LINE.matcher(l).matches());

        assertThat(text).containsPattern("ERROR .*camera zero-bytes: cannot open file .*zero\\.avi: avformat_open_input\\(\\) error");
        assertThat(text).containsPattern("ERROR .*camera random-bytes: cannot open file .*random\\.mp4");
        assertThat(text).doesNotContain("FFmpegLogCallback.set()").doesNotContain("Has setFormat() been called");
        assertThat(text).contains("camera audio-only: file " + media.get("audio-only") + " has no video stream (it has: #0 audio (mp2))");
        assertThat(text).containsPattern("WARN .*camera truncated: file .*truncated\\.avi ended after \\d+ of the 100 frames its header announces");
        assertThat(text).contains("camera 8k: frames of 7680x4320 are scaled down to 3840x2160 (source.max_resolution 3840x2160)");

        // a picture with loop: true is said once and reopened with a growing wait, not 8,735 times
        assertThat(count(lines, "camera png-renamed: file " + media.get("png-renamed") + " holds a single frame")).isEqualTo(1);
        assertThat(count(lines, "camera png-renamed: opened file")).isEqualTo(1);

        List<JsonNode> reports = ConfigFolder.reports(dir);
        assertThat(seen(reports, "png-renamed")).as("passes over the picture in %d s", RUN_SECONDS).isBetween(2L, 8L);
        assertThat(seen(reports, "resolution-change")).as("frames of both sizes").isEqualTo(100);
        assertThat(seen(reports, "8k")).isEqualTo(10);

        // corrupted H.264: the decoder's errors are counted per window, its lines rate-limited
        long decodeErrors = reports.stream().filter(r -> r.path("camera_id").asText().equals("corrupted-h264"))
                .mapToLong(r -> r.path("errors_by_kind").path("decode").asLong()).sum();
        assertThat(decodeErrors).isPositive();
        long ffmpegLines = lines.stream().filter(l -> l.contains("] ffmpeg: camera corrupted-h264: [")).count();
        assertThat(ffmpegLines).as("FFmpeg's lines of one camera in under a minute").isLessThanOrEqualTo(10);
        assertThat(text).containsPattern("ffmpeg: camera corrupted-h264: \\d+ similar FFmpeg line\\(s\\) suppressed in the last minute");
        assertThat(text).contains("decode errors");

        // the healthy camera's frames per window did not change: measured against the same camera
        // alone, a moment before, so that a box whose cores are busy elsewhere does not fail it
        long windows = reports.stream().filter(r -> r.path("camera_id").asText().equals("healthy")).count();
        assertThat(windows).isGreaterThanOrEqualTo(RUN_SECONDS / WINDOW_SECONDS - 2);
        double mean = meanOfFullWindows(reports);
        assertThat(mean).as("mean frames per full window of the healthy camera beside the corpus, against %.1f alone", aloneMean)
                .isGreaterThanOrEqualTo(aloneMean * 0.8);
    }

    /** The healthy camera's mean frames per window, without the first (it starts before the pattern opens) and the last (cut by the stop). */
    private static double meanOfFullWindows(List<JsonNode> reports) {
        List<Long> healthy = new ArrayList<>();
        for (JsonNode r : reports) {
            if (r.path("camera_id").asText().equals("healthy")) {
                healthy.add(r.path("frames_seen").asLong());
            }
        }
        assertThat(healthy.size()).as("windows of the healthy camera").isGreaterThanOrEqualTo(3);
        return healthy.subList(1, healthy.size() - 1).stream().mapToLong(Long::longValue).average().orElseThrow();
    }

    /** Waits (up to 3 minutes: a JVM start on a loaded box) until the healthy camera wrote {@code n} windows. */
    private static void awaitWindows(Path dir, int n, Path log) throws Exception {
        Path file = dir.resolve("out/reports.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        // complete lines only: the daemon may be writing the last one
        while (!Files.exists(file) || Files.readString(file).lines().filter(l -> l.endsWith("}"))
                .filter(l -> l.contains("\"camera_id\":\"healthy\"")).count() < n) {
            assertThat(System.nanoTime()).as("%d windows of the healthy camera within 3 minutes: %s", n,
                    Files.exists(log) ? Files.readString(log) : "(no log)").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static long count(List<String> lines, String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    private static long seen(List<JsonNode> reports, String camera) {
        return reports.stream().filter(r -> r.path("camera_id").asText().equals(camera))
                .mapToLong(r -> r.path("frames_seen").asLong()).sum();
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
