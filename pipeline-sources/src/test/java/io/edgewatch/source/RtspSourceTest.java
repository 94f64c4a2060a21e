package io.edgewatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.testkit.RtspServer;
import reactor.core.Disposable;

/** RTSP against a real server the test starts, stops and starts again. */
class RtspSourceTest {

    private static final Reconnect QUICK = new Reconnect(Duration.ofMillis(200), Duration.ofSeconds(1),
            Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ofSeconds(5));

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Disposable collect(FrameSource source, List<VideoFrame> into) {
        return source.frames().subscribe(f -> {
            into.add(f);
            f.release();
        });
    }

    @Test
    void streamsAndComesBackAfterTheServerRestarts() throws Exception {
        try (RtspServer server = new RtspServer().start()) {
            FrameSource camera = VideoSources.rtsp("dock-3", server.url(), "tcp", 2_000_000, QUICK);
            List<VideoFrame> frames = new CopyOnWriteArrayList<>();
            Disposable running = collect(camera, frames);
            try {
                await("frames", () -> frames.size() >= 25);
                assertThat(frames.get(0).width()).isEqualTo(320);
                assertThat(camera.status().state()).isEqualTo(SourceStatus.State.STREAMING);

                server.stop();
                await("reconnecting", () -> camera.status().state() == SourceStatus.State.RECONNECTING);
                int before = frames.size();
                server.start();
                await("frames again", () -> frames.size() >= before + 25);
                assertThat(camera.status().state()).isEqualTo(SourceStatus.State.STREAMING);
                assertThat(camera.status().reconnects()).isGreaterThanOrEqualTo(1);
                // frame numbers go on across the reconnect
                assertThat(frames.get(frames.size() - 1).sequence()).isEqualTo(frames.size() - 1);
            } finally {
                running.dispose();
            }
        }
    }

    @Test
    void aServerThatIsDownAtStartIsRetriedUntilItIsUp() throws Exception {
        try (RtspServer server = new RtspServer()) {
            FrameSource camera = VideoSources.rtsp("gate", server.url(), "tcp", 2_000_000, QUICK);
            List<VideoFrame> frames = new CopyOnWriteArrayList<>();
            Disposable running = collect(camera, frames);
            try {
                await("retrying", () -> camera.status().reconnects() >= 1);
                Instant downSince = camera.status().downSince();
                assertThat(downSince).isNotNull();
                await("retrying again", () -> camera.status().reconnects() >= 3);
                SourceStatus retrying = camera.status();
                assertThat(retrying.lastError()).contains("gate").contains("127.0.0.1:" + server.port());
                // every attempt is a state of its own, but the source has been down since the first
                assertThat(retrying.downSince()).isEqualTo(downSince);
                assertThat(retrying.since()).isAfter(downSince);
                server.start();
                await("frames", () -> frames.size() >= 10);
                SourceStatus up = camera.status();
                assertThat(up.downSince()).isNull();
                assertThat(up.timeIn(SourceStatus.State.RECONNECTING, Instant.now())).isPositive();
            } finally {
                running.dispose();
            }
        }
    }

    @Test
    void aBrokenCameraDoesNotHoldUpAWorkingOne() throws Exception {
        try (RtspServer server = new RtspServer().start(); RtspServer nobody = new RtspServer()) {
            FrameSource good = VideoSources.rtsp("good", server.url(), "tcp", 2_000_000, QUICK);
            FrameSource broken = VideoSources.rtsp("broken", nobody.url(), "tcp", 2_000_000, QUICK);
            List<VideoFrame> goodFrames = new CopyOnWriteArrayList<>();
            List<VideoFrame> brokenFrames = new CopyOnWriteArrayList<>();
            Disposable a = collect(broken, brokenFrames);
            Disposable b = collect(good, goodFrames);
            try {
                await("the broken camera retrying while the good one streams",
                        () -> broken.status().reconnects() >= 3 && goodFrames.size() >= 50);
                assertThat(brokenFrames).isEmpty();
                assertThat(good.status().reconnects()).isZero();
            } finally {
                a.dispose();
                b.dispose();
            }
        }
    }
}
