package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

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

    private static List<VideoFrame> released(List<VideoFrame> frames) {
        return frames.stream().filter(VideoFrame::isReleased).collect(Collectors.toList());
    }

    @Test
    void aFrameAboveTheRateIsReleasedBeforeItsDropIsEmitted() {
        List<VideoFrame> all = new ArrayList<>();
        List<VideoFrame> input = frames(10, 100_000, all);
        List<Long> dropsSeen = new ArrayList<>();
        StepVerifier.create(Flux.fromIterable(input).transform(FramePacing.maxFps(2)))
                .thenConsumeWhile(e -> true, e -> {
                    VideoFrame f = all.get((int) e.sequence());
                    if (e instanceof FrameEvent.Dropped d) {
                        assertThat(d.reason()).isEqualTo(FrameEvent.DropReason.RATE_LIMIT);
                        // released at the drop, not later: the pool has the buffer back while the stream goes on
                        assertThat(f.isReleased()).as("frame %d when its drop is emitted", e.sequence()).isTrue();
                        dropsSeen.add(e.sequence());
                    } else {
                        assertThat(((FrameEvent.Captured) e).frame()).isSameAs(f);
                        assertThat(f.isReleased()).as("kept frame %d", e.sequence()).isFalse();
                    }
                })
                .verifyComplete();
        assertThat(dropsSeen).containsExactly(1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L);
        all.forEach(VideoFrame::release);
    }

    @Test
    void onCompletionExactlyTheDroppedFramesAreReleasedAndNothingIsLeftToDiscard() {
        List<VideoFrame> all = new ArrayList<>();
        List<VideoFrame> input = frames(20, 100_000, all);
        List<FrameEvent> events = new ArrayList<>();
        StepVerifier.create(Flux.fromIterable(input).transform(FramePacing.maxFps(2)))
                .recordWith(() -> events)
                .expectNextCount(20)
                .expectComplete()
                .verifyThenAssertThat(Duration.ofSeconds(5))
                .hasNotDiscardedElements();
        List<Long> dropped = events.stream().filter(e -> e instanceof FrameEvent.Dropped)
                .map(FrameEvent::sequence).collect(Collectors.toList());
        assertThat(dropped).hasSize(16);
        assertThat(released(all)).hasSize(16)
                .extracting(VideoFrame::sequence).containsExactlyElementsOf(dropped);
        // the four kept frames belong to the subscriber
        assertThat(all).filteredOn(f -> !f.isReleased()).extracting(VideoFrame::sequence)
                .containsExactly(0L, 5L, 10L, 15L);
        all.forEach(VideoFrame::release);
    }

    @Test
    void anUpstreamErrorReleasesTheDroppedFramesAndTheFramesStillQueuedUpstream() {
        List<VideoFrame> all = new ArrayList<>();
        List<VideoFrame> input = frames(8, 100_000, all);
        TestPublisher<VideoFrame> source = TestPublisher.create();
        StepVerifier.create(source.flux()
                                // a source that reads ahead: its queue is discarded when the error overtakes it
                                .publishOn(Schedulers.immediate(), false, 16)
                                .transform(FramePacing.maxFps(2)), 3)
                .then(() -> input.forEach(source::next))
                .assertNext(e -> assertThat(e).isInstanceOf(FrameEvent.Captured.class))
                .assertNext(e -> assertThat(e).isEqualTo(new FrameEvent.Dropped(1, FrameEvent.DropReason.RATE_LIMIT)))
                .assertNext(e -> assertThat(e).isEqualTo(new FrameEvent.Dropped(2, FrameEvent.DropReason.RATE_LIMIT)))
                .then(() -> source.error(new IllegalStateException("camera gone")))
                .expectErrorMessage("camera gone")
                .verifyThenAssertThat(Duration.ofSeconds(5))
                .hasDiscardedExactly(input.subList(3, 8).toArray());
        // frame 0 reached the subscriber; 1 and 2 were dropped, 3..7 never left the source's queue
        assertThat(all.get(0).isReleased()).isFalse();
        assertThat(released(all)).containsExactlyElementsOf(all.subList(1, 8));
        all.forEach(VideoFrame::release);
    }

    @Test
    void cancellingARateLimitedStreamReleasesEveryFrameThatWasNotEmittedAsCaptured() {
        List<VideoFrame> all = new ArrayList<>();
        List<VideoFrame> input = frames(20, 100_000, all);
        StepVerifier.create(Flux.fromIterable(input).transform(FramePacing.maxFps(2)), 3)
                .assertNext(e -> assertThat(e.sequence()).isZero())
                .expectNext(new FrameEvent.Dropped(1, FrameEvent.DropReason.RATE_LIMIT),
                        new FrameEvent.Dropped(2, FrameEvent.DropReason.RATE_LIMIT))
                .thenCancel()
                .verifyThenAssertThat(Duration.ofSeconds(5))
                // the frames not yet read from the source are discarded, and released by the pacing's hook
                .hasDiscardedExactly(input.subList(3, 20).toArray());
        assertThat(all.get(0).isReleased()).isFalse();
        assertThat(released(all)).hasSize(19).containsExactlyElementsOf(all.subList(1, 20));
        all.get(0).release();
    }
}
