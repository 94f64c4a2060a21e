package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.bytedeco.opencv.global.opencv_core;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.FramePool;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.testing.Frames;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

class LatestWinsTest {

    @Test
    void whileDownstreamIsBusyOnlyTheNewestFrameIsKeptAndTheOthersAreRecordedAndReleased() {
        TestPublisher<FrameEvent> camera = TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
        Queue<FrameEvent.Dropped> missed = new ConcurrentLinkedQueue<>();
        List<VideoFrame> frames = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            frames.add(Frames.black(i));
        }
        StepVerifier.create(camera.flux().transform(FramePacing.latestWins(missed)), 1)
                .then(() -> camera.next(new FrameEvent.Captured(frames.get(0))))
                .assertNext(e -> assertThat(e.sequence()).isZero())
                // inference busy (no demand): 1..4 arrive, a rate-limit drop among them
                .then(() -> {
                    camera.next(new FrameEvent.Captured(frames.get(1)));
                    camera.next(new FrameEvent.Dropped(2, FrameEvent.DropReason.RATE_LIMIT));
                    camera.next(new FrameEvent.Captured(frames.get(3)));
                    camera.next(new FrameEvent.Captured(frames.get(4)));
                })
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .assertNext(e -> assertThat(((FrameEvent.Captured) e).frame()).isSameAs(frames.get(4)))
                .then(() -> camera.next(new FrameEvent.Captured(frames.get(5))))
                .expectNoEvent(Duration.ofMillis(20))
                .thenRequest(1)
                .assertNext(e -> assertThat(e.sequence()).isEqualTo(5))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(missed).containsExactly(
                new FrameEvent.Dropped(1, FrameEvent.DropReason.INFERENCE_BUSY),
                new FrameEvent.Dropped(2, FrameEvent.DropReason.RATE_LIMIT),
                new FrameEvent.Dropped(3, FrameEvent.DropReason.INFERENCE_BUSY));
        assertThat(frames.get(1).isReleased()).isTrue();
        assertThat(frames.get(3).isReleased()).isTrue();
        for (int i : new int[] {0, 4, 5}) {
            assertThat(frames.get(i).isReleased()).isFalse();
            frames.get(i).release();
        }
    }

    @Test
    void aFrameStillHeldWhenTheSubscriberCancelsIsReleased() {
        TestPublisher<FrameEvent> camera = TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
        VideoFrame held = Frames.black(1);
        StepVerifier.create(camera.flux().transform(FramePacing.latestWins(new ConcurrentLinkedQueue<>())), 0)
                .then(() -> camera.next(new FrameEvent.Captured(held)))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(held.isReleased()).isTrue();
    }

    @Test
    void recordedDropsGoBackIntoTheStreamBeforeTheNextEventAndAtTheEnd() {
        Queue<FrameEvent.Dropped> missed = new ConcurrentLinkedQueue<>();
        FrameEvent.Failed a = new FrameEvent.Failed(0, InferenceException.Kind.TIMEOUT, "slow");
        FrameEvent.Failed b = new FrameEvent.Failed(5, InferenceException.Kind.TIMEOUT, "slow");
        TestPublisher<FrameEvent> results = TestPublisher.create();
        StepVerifier.create(results.flux().transform(FramePacing.reinsert(missed)))
                .then(() -> results.next(a))
                .expectNext(a)
                .then(() -> {
                    missed.add(new FrameEvent.Dropped(1, FrameEvent.DropReason.INFERENCE_BUSY));
                    results.next(b);
                })
                .expectNext(new FrameEvent.Dropped(1, FrameEvent.DropReason.INFERENCE_BUSY), b)
                .then(() -> {
                    missed.add(new FrameEvent.Dropped(6, FrameEvent.DropReason.INFERENCE_BUSY));
                    results.complete();
                })
                .expectNext(new FrameEvent.Dropped(6, FrameEvent.DropReason.INFERENCE_BUSY))
                .verifyComplete();
    }

    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(5);

    /** A frame whose pixels come from, and go back to, {@code pool}. */
    private static VideoFrame pooled(long seq, FramePool pool) {
        return new VideoFrame("cam-1", seq, System.nanoTime(), Instant.now(), seq * 40_000,
                pool.take(48, 64, opencv_core.CV_8UC3), pool);
    }

    @Test
    void everyFrameReplacedWhileDownstreamIsBusyGoesBackToThePoolAtOnce() {
        try (FramePool pool = new FramePool(8)) {
            TestPublisher<FrameEvent> camera = TestPublisher.create();
            Queue<FrameEvent.Dropped> missed = new ConcurrentLinkedQueue<>();
            List<FrameEvent.Captured> events = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                events.add(new FrameEvent.Captured(pooled(i, pool)));
            }
            StepVerifier.create(camera.flux().transform(FramePacing.latestWins(missed)), 0)
                    .then(() -> events.forEach(camera::next))
                    // four replaced frames: their buffers are idle in the pool before anyone asks for a frame
                    .then(() -> assertThat(pool.idle()).isEqualTo(4))
                    .expectNoEvent(Duration.ofMillis(20))
                    .thenRequest(1)
                    .assertNext(e -> assertThat(e).isSameAs(events.get(4)))
                    .thenCancel()
                    .verifyThenAssertThat(VERIFY_TIMEOUT)
                    .hasDiscardedExactly(events.subList(0, 4).toArray());
            assertThat(missed).extracting(FrameEvent::sequence).containsExactly(0L, 1L, 2L, 3L);
            assertThat(missed).allSatisfy(d -> assertThat(d.reason()).isEqualTo(FrameEvent.DropReason.INFERENCE_BUSY));
            assertThat(events.subList(0, 4)).allSatisfy(c -> assertThat(c.frame().isReleased()).isTrue());
            assertThat(events.get(4).frame().isReleased()).isFalse();
            events.get(4).frame().release();
            assertThat(pool.idle()).isEqualTo(5);
        }
    }

    @Test
    void onCompletionTheHeldFrameIsStillDeliveredAndOnlyTheReplacedOnesAreReleased() {
        TestPublisher<FrameEvent> camera = TestPublisher.create();
        Queue<FrameEvent.Dropped> missed = new ConcurrentLinkedQueue<>();
        FrameEvent.Captured replaced = new FrameEvent.Captured(Frames.black(0));
        FrameEvent.Captured last = new FrameEvent.Captured(Frames.black(1));
        StepVerifier.create(camera.flux().transform(FramePacing.latestWins(missed)), 0)
                .then(() -> {
                    camera.next(replaced);
                    camera.next(last);
                    camera.complete();
                })
                .expectNoEvent(Duration.ofMillis(20))
                .then(() -> assertThat(last.frame().isReleased()).isFalse())
                .thenRequest(1)
                .expectNext(last)
                .expectComplete()
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasDiscardedExactly(replaced);
        assertThat(replaced.frame().isReleased()).isTrue();
        assertThat(missed).containsExactly(new FrameEvent.Dropped(0, FrameEvent.DropReason.INFERENCE_BUSY));
        // the delivered frame belongs to the subscriber
        assertThat(last.frame().isReleased()).isFalse();
        last.frame().release();
    }

    @Test
    void anUpstreamErrorReleasesTheFrameHeldForABusyDownstream() {
        TestPublisher<FrameEvent> camera = TestPublisher.create();
        Queue<FrameEvent.Dropped> missed = new ConcurrentLinkedQueue<>();
        FrameEvent.Captured delivered = new FrameEvent.Captured(Frames.black(0));
        FrameEvent.Captured held = new FrameEvent.Captured(Frames.black(1));
        StepVerifier.create(camera.flux().transform(FramePacing.latestWins(missed)), 1)
                .then(() -> camera.next(delivered))
                .expectNext(delivered)
                .then(() -> camera.next(held))
                .expectNoEvent(Duration.ofMillis(20))
                .then(() -> camera.error(new IllegalStateException("camera gone")))
                .expectErrorMessage("camera gone")
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasDiscardedExactly(held);
        assertThat(held.frame().isReleased()).isTrue();
        assertThat(delivered.frame().isReleased()).isFalse();
        delivered.frame().release();
    }

    @Test
    void cancellationDiscardsExactlyTheHeldFrameAndReleasesIt() {
        TestPublisher<FrameEvent> camera = TestPublisher.create();
        FrameEvent.Captured delivered = new FrameEvent.Captured(Frames.black(0));
        FrameEvent.Captured held = new FrameEvent.Captured(Frames.black(1));
        StepVerifier.create(camera.flux().transform(FramePacing.latestWins(new ConcurrentLinkedQueue<>())), 1)
                .then(() -> camera.next(delivered))
                .expectNext(delivered)
                .then(() -> camera.next(held))
                .expectNoEvent(Duration.ofMillis(20))
                .thenCancel()
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasDiscardedExactly(held);
        camera.assertCancelled();
        assertThat(held.frame().isReleased()).isTrue();
        assertThat(delivered.frame().isReleased()).isFalse();
        delivered.frame().release();
    }
}
