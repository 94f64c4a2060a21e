package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class FramePacingTest {

    private static List<VideoFrame> frames(int n, long intervalMicros, List<VideoFrame> all) {
        List<VideoFrame> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            VideoFrame f = new VideoFrame("cam", i, 0, Instant.EPOCH, i * intervalMicros, new Mat(2, 2, opencv_core.CV_8UC3));
            out.add(f);
            all.add(f);
        }
        return out;
    }

    @Test
    void keepsEveryFifthFrameOfATenFpsStreamAtTwoFpsAndReleasesTheRest() {
        List<VideoFrame> all = new ArrayList<>();
        List<FrameEvent> events = new ArrayList<>();
        StepVerifier.create(Flux.fromIterable(frames(20, 100_000, all)).transform(FramePacing.maxFps(2)))
                .recordWith(() -> events)
                .expectNextCount(20)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(events).filteredOn(e -> e instanceof FrameEvent.Captured)
                .extracting(FrameEvent::sequence).containsExactly(0L, 5L, 10L, 15L);
        assertThat(events).filteredOn(e -> e instanceof FrameEvent.Dropped)
                .hasSize(16)
                .allSatisfy(e -> assertThat(((FrameEvent.Dropped) e).reason()).isEqualTo(FrameEvent.DropReason.RATE_LIMIT));
        for (FrameEvent e : events) {
            if (e instanceof FrameEvent.Captured c) {
                assertThat(c.frame().isReleased()).isFalse();
                c.frame().release();
            }
        }
        assertThat(all).allSatisfy(f -> assertThat(f.isReleased()).isTrue());
    }

    @Test
    void averagesTheLimitOnAStreamThatIsNotAMultiple() {
        List<VideoFrame> all = new ArrayList<>();
        List<FrameEvent> events = new ArrayList<>();
        // 25 fps for 4 s at max 10 fps: 40 frames kept
        StepVerifier.create(Flux.fromIterable(frames(100, 40_000, all)).transform(FramePacing.maxFps(10)))
                .recordWith(() -> events)
                .expectNextCount(100)
                .verifyComplete();
        assertThat(events).filteredOn(e -> e instanceof FrameEvent.Captured).hasSize(40);
        all.forEach(VideoFrame::release);
    }

    @Test
    void aLoopedFileRestartsTheSchedule() {
        List<VideoFrame> all = new ArrayList<>();
        List<VideoFrame> twice = new ArrayList<>(frames(10, 100_000, all));
        twice.addAll(frames(10, 100_000, all));
        List<FrameEvent> events = new ArrayList<>();
        StepVerifier.create(Flux.fromIterable(twice).transform(FramePacing.maxFps(2)))
                .recordWith(() -> events)
                .expectNextCount(20)
                .verifyComplete();
        assertThat(events.stream().filter(e -> e instanceof FrameEvent.Captured).count()).isEqualTo(4);
        all.forEach(VideoFrame::release);
    }

    @Test
    void withoutALimitEveryFramePassesAndCancelReleasesWhatIsDiscarded() {
        List<VideoFrame> all = new ArrayList<>();
        StepVerifier.create(Flux.fromIterable(frames(5, 40_000, all)).transform(FramePacing.maxFps(0)), 2)
                .expectNextCount(2)
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        // the two delivered frames belong to the subscriber; the three never emitted were discarded and released
        assertThat(all.subList(0, 2)).allSatisfy(f -> assertThat(f.isReleased()).isFalse());
        assertThat(all.subList(2, 5)).allSatisfy(f -> assertThat(f.isReleased()).isTrue());
        all.forEach(VideoFrame::release);
    }
}
