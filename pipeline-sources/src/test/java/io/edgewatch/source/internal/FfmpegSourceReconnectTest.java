package io.edgewatch.source.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.source.Reconnect;
import io.edgewatch.source.SourceOptions;
import io.edgewatch.testkit.SyntheticClip;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A live source's reconnect and watchdog, on real FFmpeg input: a clip that ends (a stream that
 * drops), a file that is not there yet (a camera down at start), and a FIFO that a writer feeds a
 * little and then leaves open and silent (a stream that stays connected but sends nothing, with
 * the grabber blocked in native code).
 */
class FfmpegSourceReconnectTest {

    private static final Reconnect FAST = new Reconnect(Duration.ofMillis(100), Duration.ofMillis(400),
            Duration.ofMinutes(1), Duration.ofMillis(1500), Duration.ofMillis(1500));

    @TempDir
    static Path dir;
    static Path clip;

    @BeforeAll
    static void writeClip() throws Exception {
        clip = dir.resolve("short.avi");
        SyntheticClip.write(clip, 160, 120, 25, 20, SyntheticClip.Codec.MPEG4);
    }

    private static FfmpegSource live(String camera, Path input) {
        return new FfmpegSource(new SourceOptions(camera, input.toString(), null, Map.of(), true, false,
                "test stream " + input.getFileName(), FAST));
    }

    @Test
    void aStreamThatEndsIsReconnectedAndFrameNumbersGoOn() {
        FfmpegSource source = live("cam-r", clip);
        List<Long> sequences = new ArrayList<>();
        StepVerifier.create(source.frames().take(50).doOnNext(f -> {
                    sequences.add(f.sequence());
                    f.release();
                }))
                .expectNextCount(50)
                .verifyComplete();
        assertThat(sequences).containsExactlyElementsOf(LongStream.range(0, 50).boxed().toList());
        assertThat(source.status().reconnects()).isGreaterThanOrEqualTo(2);
        assertThat(source.status().lastError()).contains("cam-r").contains("ended");
        assertThat(source.status().state()).isEqualTo(SourceStatus.State.STOPPED);
    }

    @Test
    void aCameraThatIsDownAtStartIsRetriedUntilItComesUp() throws Exception {
        Path later = dir.resolve("later.avi");
        FfmpegSource source = live("cam-d", later);
        List<VideoFrame> frames = new CopyOnWriteArrayList<>();
        Disposable running = source.frames().subscribe(frames::add);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (source.status().reconnects() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(source.status().state()).isEqualTo(SourceStatus.State.RECONNECTING);
            assertThat(source.status().lastError()).contains("cam-d").contains("later.avi");
            assertThat(frames).isEmpty();
            Files.copy(clip, later);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (frames.size() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(frames).hasSizeGreaterThanOrEqualTo(5);
        } finally {
            running.dispose();
            frames.forEach(VideoFrame::release);
        }
    }

    @Test
    void theWatchdogAbandonsAStreamThatGoesSilentAndTheStuckGrabberIsClosedWhenItReturns() throws Exception {
        Path ts = dir.resolve("stream.ts");
        SyntheticClip.write(ts, 160, 120, 25, 50, SyntheticClip.Codec.MPEG4);
        byte[] bytes = Files.readAllBytes(ts);
        Path fifo = dir.resolve("silent.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();

        CountDownLatch release = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                // enough for FFmpeg to open the stream and decode a few frames, then silence
                out.write(bytes, 0, Math.min(bytes.length, bytes.length / 2));
                out.flush();
                release.await(60, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the test ended
            }
        }, "silent-writer");
        writer.setDaemon(true);
        writer.start();

        FfmpegSource source = live("cam-w", fifo);
        List<VideoFrame> frames = new CopyOnWriteArrayList<>();
        Disposable running = source.frames().subscribe(frames::add);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(source.status().lastError() != null && source.status().lastError().contains("no frame"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(frames).isNotEmpty();
            assertThat(source.status().lastError()).contains("cam-w").contains("no frame from").contains("abandoning");
            assertThat(source.status().reconnects()).isGreaterThanOrEqualTo(1);
            // the first connection's thread is still stuck in native code
            assertThat(threads("cam-w")).isGreaterThanOrEqualTo(1);
        } finally {
            running.dispose();
            release.countDown(); // the writer closes: the stuck read returns, its grabber is closed and its thread ends
            frames.forEach(VideoFrame::release);
        }
        // a reconnect attempt may be waiting in open() for a writer: a feeder opens and closes the FIFO
        // until every source thread has ended (opening a FIFO for writing blocks while nobody reads,
        // so it runs on a daemon thread of its own, never on the test's)
        Thread feeder = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try (OutputStream out = Files.newOutputStream(fifo, StandardOpenOption.WRITE)) {
                    out.flush();
                    Thread.sleep(100);
                } catch (Exception e) {
                    return;
                }
            }
        }, "fifo-feeder");
        feeder.setDaemon(true);
        feeder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (threads("cam-w") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        feeder.interrupt();
        assertThat(threads("cam-w")).isZero();
    }

    @Test
    void theWatchdogGivesAnOpenedConnectionTheWatchdogPeriodForItsFirstFrameNotTheConnectTimeoutToo() {
        // connect timeout 15 s, watchdog 10 s
        Reconnect r = new Reconnect(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofSeconds(10),
                Duration.ofSeconds(15));
        // opens after 2 s and then sends nothing: abandoned at 2 + 10 s
        StepVerifier.withVirtualTime(() -> {
                    Sinks.One<Boolean> opened = Sinks.one();
                    VirtualTimeScheduler.get().schedule(() -> opened.tryEmitValue(true), 2, TimeUnit.SECONDS);
                    return FfmpegSource.watchdog(Flux.never(), opened.asMono(), r,
                            VirtualTimeScheduler.get());
                })
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(12).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(10));
        // never opens (stuck in the handshake): abandoned at 15 + 10 s
        StepVerifier.withVirtualTime(() -> FfmpegSource.watchdog(Flux.never(),
                        Mono.never(), r, VirtualTimeScheduler.get()))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(25).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(10));
        // opens at once, then a frame every 9 s: never abandoned; silent after the third: abandoned 10 s later
        StepVerifier.withVirtualTime(() -> FfmpegSource.watchdog(
                        Flux.interval(Duration.ofSeconds(9), VirtualTimeScheduler.get())
                                .take(3).concatWith(Flux.never()),
                        Mono.just(true), r, VirtualTimeScheduler.get()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(27))
                .expectNextCount(3)
                .expectNoEvent(Duration.ofSeconds(10).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void backoffDoublesUpToTheCapWithJitter() {
        for (int i = 0; i < 20; i++) {
            assertThat(FfmpegSource.delayMillis(FAST, 0)).isBetween(75L, 125L);
            assertThat(FfmpegSource.delayMillis(FAST, 1)).isBetween(150L, 250L);
            assertThat(FfmpegSource.delayMillis(FAST, 10)).isBetween(300L, 400L);
        }
        assertThat(FfmpegSource.delayMillis(Reconnect.DEFAULTS, 30)).isLessThanOrEqualTo(30_000L);
    }

    private static long threads(String camera) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("edgewatch-source-" + camera + "-") && t.isAlive()).count();
    }

    /**
     * Restarts of a camera whose RTSP server accepts and never answers (review-lifecycle 10): the
     * grabber of a cancelled subscription stays in its connect until FFmpeg's timeout, and each
     * restart opened another beside it, so 20 quick restarts left 20 sessions and threads on one
     * camera. A new session of a camera now waits for its previous one to close (bounded by the
     * connect timeout), so at most one grabber of the camera is connecting at a time.
     */
    @Test
    void aRestartWaitsForTheCamerasPreviousGrabberToClose() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        List<java.net.Socket> held = new CopyOnWriteArrayList<>();
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept());
                        connections.incrementAndGet();
                    } catch (Exception e) {
                        // closed
                    }
                }
            }, "silent-rtsp");
            acceptor.setDaemon(true);
            acceptor.start();
            Reconnect slowConnect = new Reconnect(Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMinutes(1),
                    Duration.ofSeconds(30), Duration.ofSeconds(30));
            Map<String, String> rtsp = Map.of("rtsp_transport", "tcp", "timeout", "3000000");
            String url = "rtsp://127.0.0.1:" + silent.getLocalPort() + "/stream1";
            FfmpegSource first = new FfmpegSource(new SourceOptions("cam-w", url, null, rtsp, true, false, "rtsp " + url,
                    slowConnect));
            Disposable running = first.frames().subscribe(VideoFrame::release);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (connections.get() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(connections.get()).isEqualTo(1);
            for (int i = 0; i < 20; i++) {
                // a reload makes a new source for the same camera each time
                running.dispose();
                running = new FfmpegSource(new SourceOptions("cam-w", url, null, rtsp, true, false, "rtsp " + url, slowConnect))
                        .frames().subscribe(VideoFrame::release);
                Thread.sleep(20);
            }
            Thread.sleep(500);
            long threads = threads("cam-w");
            assertThat(connections.get()).as("connections the camera opened").isLessThanOrEqualTo(2);
            assertThat(threads).as("grabber threads of the camera").isLessThanOrEqualTo(2);
            running.dispose();
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
    }
}
