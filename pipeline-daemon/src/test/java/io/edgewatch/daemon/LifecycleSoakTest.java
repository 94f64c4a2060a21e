package io.edgewatch.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.frame.FramePool;
import io.edgewatch.daemon.config.ConfigLoader;

/**
 * What a box that runs for months goes through, in minutes (issue 31, "memory that stays flat"):
 * a thousand camera starts, stops and reloads, and a reload storm with the cameras running. After
 * each, no frame is outstanding (the frame pools' own count), and the process's file descriptors
 * ({@code /proc/self/fd}) and edgewatch threads are back where they were at the start, within a
 * small fixed tolerance: whatever grows per cycle shows up as hundreds, not a handful.
 */
class LifecycleSoakTest {

    /** Descriptors and threads that may come and go whatever the cycles do (a lazily made pool, a log file). */
    private static final int FD_TOLERANCE = 6;
    private static final int THREAD_TOLERANCE = 3;
    private static final Duration SETTLE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @BeforeAll
    static void loadNatives() throws ClassNotFoundException {
        DaemonTest.loadNatives();
    }

    private static String camera(String id, int version) {
        return """
                id: %s
                source:
                  type: test_pattern
                  size: 160x120
                  rate: 10
                inference:
                  type: motion
                aggregation:
                  frequency: 1
                metadata:
                  version: "%d"
                """.formatted(id, version);
    }

    private static int fileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    /** The process's threads named edgewatch-*, counted by name without their trailing number. */
    private static Map<String, Integer> edgewatchThreads() {
        Map<String, Integer> byName = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("edgewatch")) {
                byName.merge(t.getName().replaceAll("-\\d+$", ""), 1, Integer::sum);
            }
        }
        return byName;
    }

    private static int count(Map<String, Integer> threads) {
        return threads.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Where the process stands: descriptors, edgewatch threads, frames outstanding. */
    private record Level(int fds, Map<String, Integer> threads, int frames) {
        static Level now() throws IOException {
            return new Level(fileDescriptors(), edgewatchThreads(), FramePool.outstandingEverywhere());
        }

        @Override
        public String toString() {
            return fds + " fds, " + count(threads) + " edgewatch threads " + threads + ", " + frames + " frames outstanding";
        }
    }

    /**
     * Waits (up to {@link #SETTLE}: threads end and descriptors close a little after their owner
     * closes) until the process is back within the tolerance of {@code start}; then asserts it.
     */
    private static Level settled(Level start, int framesAllowed) throws Exception {
        Level now = Level.now();
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!(within(start, now, framesAllowed)) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            now = Level.now();
        }
        assertThat(now.fds()).as("file descriptors: at the start %s; now %s", start, now).isLessThanOrEqualTo(start.fds() + FD_TOLERANCE);
        assertThat(count(now.threads())).as("edgewatch threads: at the start %s; now %s", start, now)
                .isLessThanOrEqualTo(count(start.threads()) + THREAD_TOLERANCE);
        assertThat(now.frames()).as("frames outstanding: at the start %s; now %s", start, now)
                .isLessThanOrEqualTo(start.frames() + framesAllowed);
        return now;
    }

    private static boolean within(Level start, Level now, int framesAllowed) {
        return now.fds() <= start.fds() + FD_TOLERANCE && count(now.threads()) <= count(start.threads()) + THREAD_TOLERANCE
                && now.frames() <= start.frames() + framesAllowed;
    }

    /**
     * One daemon's life: started, {@code reloads} reloads of a changed camera file (a restart each;
     * every 20th the file is removed, and put back at the next: a stop and a start), stopped, closed.
     */
    private void life(Path cfg, int reloads) throws Exception {
        Files.writeString(cfg.resolve("cameras/cycled.yaml"), camera("cycled", 0));
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            for (int i = 1; i <= reloads; i++) {
                Path cycled = cfg.resolve("cameras/cycled.yaml");
                if (i % 20 == 0) {
                    Files.delete(cycled);
                } else {
                    Files.writeString(cycled, camera("cycled", i));
                }
                Daemon.Reload r = daemon.reload("the soak");
                assertThat(r.applied()).as(r.describe()).isTrue();
                assertThat(r.failed()).as(r.describe()).isEmpty();
                assertThat(r.stillStopping()).as(r.describe()).isEmpty();
            }
            daemon.stop();
            daemon.completion().block(Duration.ofSeconds(60));
            // released on their own thread, just after each run ends
            DaemonTest.within(Duration.ofSeconds(10), () -> daemon.adaptersOpen() == 0);
            assertThat(daemon.adaptersOpen()).as("adapters once every camera stopped").isZero();
        }
    }

    /**
     * 1,000 cycles as 10 daemons of 100 reloads each (a full start and stop of the daemon is 10 of
     * them; each reload restarts, stops or starts a test-pattern camera while another runs on).
     */
    @Test
    void aThousandStartStopAndReloadCyclesLeaveNoFrameOutstandingAndNoDescriptorOrThreadBehind() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", camera("steady", 0));
        // warm-up: the classes, natives and process-wide pools (Netty's loops, Reactor's timers) a first daemon makes
        life(cfg, 3);
        Level start = settled(Level.now(), 0);
        int daemons = 10;
        int reloads = 100;
        List<Level> after = new ArrayList<>();
        for (int d = 0; d < daemons; d++) {
            life(cfg, reloads);
            after.add(Level.now());
        }
        Level end = settled(start, 0);
        System.out.printf("lifecycle soak: %d daemons x %d reloads; start %s; after each daemon %s; settled %s%n", daemons, reloads,
                start, after, end);
        assertThat(end.frames()).as("frames outstanding after every daemon closed").isEqualTo(start.frames());
    }

    /** 100 changed camera files in a minute, with the cameras running: nothing grows. */
    @Test
    void aReloadStormOfAHundredChangedFilesInAMinuteLeavesNoGrowth() throws Exception {
        Path cfg = ConfigFolder.write(dir, "", camera("steady", 0));
        int cameras = 4;
        for (int c = 0; c < cameras; c++) {
            Files.writeString(cfg.resolve("cameras/storm-" + c + ".yaml"), camera("storm-" + c, 0));
        }
        int framesBefore = FramePool.outstandingEverywhere();
        try (Daemon daemon = Daemon.start(ConfigLoader.load(cfg))) {
            DaemonTest.await("every camera's first window", () -> {
                try {
                    return Files.exists(dir.resolve("out/reports.jsonl"))
                            && ConfigFolder.reports(dir).stream().map(w -> w.get("camera_id").asText()).distinct().count() == cameras + 1;
                } catch (Exception e) {
                    return false;
                }
            });
            // a first reload of each kind (a restart), so what it makes once is in the start
            Files.writeString(cfg.resolve("cameras/storm-0.yaml"), camera("storm-0", 1));
            daemon.reload("the warm-up");
            Level start = Level.now();
            int changes = 100;
            long every = TimeUnit.SECONDS.toNanos(60) / changes;
            long next = System.nanoTime();
            List<CompletableFuture<Daemon.Reload>> answers = new ArrayList<>();
            for (int i = 1; i <= changes; i++) {
                int c = i % cameras;
                Files.writeString(cfg.resolve("cameras/storm-" + c + ".yaml"), camera("storm-" + c, i + 1));
                // as SIGHUP or a POST would, besides the folder watch: not waited for, so they pile up and merge
                answers.add(daemon.requestReload("the storm"));
                next += every;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            for (CompletableFuture<Daemon.Reload> a : answers) {
                Daemon.Reload r = a.get(120, TimeUnit.SECONDS);
                assertThat(r.applied()).as(r.describe()).isTrue();
                assertThat(r.failed()).as(r.describe()).isEmpty();
            }
            // the folder watch's own reload, after its second of quiet
            assertThat(daemon.reload("the end of the storm").applied()).isTrue();
            // running: each camera may hold a frame or two in flight and its source's read-ahead
            Level running = settled(start, 4 * (cameras + 1));
            assertThat(daemon.adaptersOpen()).as("adapters after the storm").isLessThanOrEqualTo(cameras + 1);
            System.out.printf("reload storm: %d changes of %d camera files in 60 s, %d reloads asked; start %s; after %s%n", changes,
                    cameras, daemon.reloadRequests(), start, running);
            daemon.stop();
            daemon.completion().block(Duration.ofSeconds(60));
        }
        for (long deadline = System.nanoTime() + SETTLE.toNanos();
             FramePool.outstandingEverywhere() > framesBefore && System.nanoTime() < deadline; ) {
            Thread.sleep(200);
        }
        assertThat(FramePool.outstandingEverywhere()).as("frames outstanding once the daemon closed").isEqualTo(framesBefore);
    }
}
