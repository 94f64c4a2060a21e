package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.testing.Frames;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.util.context.Context;

class DroppedFramesTest {

    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(5);

    @Test
    void aFrameEmittedAfterTheStopIsReleasedNotLeftToTheCollector() {
        TestPublisher<VideoFrame> source = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION,
                TestPublisher.Violation.REQUEST_OVERFLOW);
        Sinks.Empty<Void> stop = Sinks.empty();
        VideoFrame before = Frames.black(0);
        VideoFrame late = Frames.black(1);
        VideoFrame lateEvent = Frames.black(2);
        StepVerifier.create(source.flux().takeUntilOther(stop.asMono()).transform(DroppedFrames.released()))
                .then(() -> source.next(before))
                .expectNext(before)
                .then(() -> stop.tryEmitEmpty())
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        // what a grabber thread does when its native grab returns after the cancel
        source.next(late);
        assertThat(late.isReleased()).isTrue();
        assertThat(before.isReleased()).as("a frame delivered is its receiver's to release").isFalse();
        before.release();

        TestPublisher<FrameEvent> events = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION,
                TestPublisher.Violation.REQUEST_OVERFLOW);
        StepVerifier.create(events.flux().take(1).transform(DroppedFrames.released()))
                .then(() -> events.next(new FrameEvent.Dropped(0, FrameEvent.DropReason.RATE_LIMIT)))
                .expectNextCount(1)
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        events.next(new FrameEvent.Captured(lateEvent));
        assertThat(lateEvent.isReleased()).isTrue();
    }

    @Test
    void aHookSetDownstreamStillSeesWhatIsNotAFrame() {
        List<Object> seen = new ArrayList<>();
        TestPublisher<Object> source = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION,
                TestPublisher.Violation.REQUEST_OVERFLOW);
        VideoFrame frame = Frames.black(0);
        StepVerifier.create(source.flux().take(1).transform(DroppedFrames.released())
                        .contextWrite(Context.of(DroppedFrames.ON_NEXT_DROPPED, (Consumer<Object>) seen::add)))
                .then(() -> source.next("first"))
                .expectNext("first")
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        source.next("late");
        source.next(frame);
        assertThat(seen).containsExactly("late");
        assertThat(frame.isReleased()).isTrue();
    }

    @Test
    void withoutTheStageTheLateFrameIsKept() {
        // the defect this stage mends: nothing releases a dropped frame
        TestPublisher<VideoFrame> source = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION,
                TestPublisher.Violation.REQUEST_OVERFLOW);
        VideoFrame late = Frames.black(1);
        StepVerifier.create(Flux.from(source.flux()).take(0))
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        source.next(late);
        assertThat(late.isReleased()).isFalse();
        late.release();
    }
}
