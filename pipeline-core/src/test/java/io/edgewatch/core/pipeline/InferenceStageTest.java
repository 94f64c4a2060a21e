package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.testing.Frames;
import io.edgewatch.core.testing.Results;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Malformed model outputs become {@code malformed} failures of their frame; sound ones pass. */
class InferenceStageTest {

    private static InferenceResult result(Prediction... p) {
        return Results.inferred("cam-1", "m/1", 1, "id-1", p).result();
    }

    @Test
    void soundOutputsPassIncludingBoxesThatReachPastAnEdgeAndClassifications() {
        assertThatCode(() -> InferenceStage.checkOutputs(result(
                Prediction.detection("person", 0.0, new Box(10, 10, 20, 20)),
                Prediction.detection("person", 1.0, Box.fromCorner(-5, 10, 30, 20)), // reaches past the left edge
                Prediction.of("", 0.3)), 64, 48)).doesNotThrowAnyException();
    }

    @Test
    void aConfidenceOutOfRangeANamelessDetectionAnEmptyBoxOrOneOutsideTheFrameIsMalformed() {
        assertMalformed(Prediction.detection("person", 1.5, new Box(10, 10, 5, 5)), "confidence 1.5 is outside 0..1");
        assertMalformed(Prediction.of("ok", -0.1), "confidence -0.1 is outside 0..1");
        assertMalformed(Prediction.detection("", 0.5, new Box(10, 10, 5, 5)), "no class name");
        assertMalformed(Prediction.detection("person", 0.5, new Box(10, 10, 0, 5)), "has no area");
        assertMalformed(Prediction.detection("person", 0.5, Box.fromCorner(70, 10, 5, 5)), "wholly outside the 64x48 frame");
        assertMalformed(Prediction.detection("person", 0.5, Box.fromCorner(10, -20, 5, 10)), "wholly outside");
    }

    private static void assertMalformed(Prediction p, String why) {
        assertThatThrownBy(() -> InferenceStage.checkOutputs(result(Prediction.detection("ok", 0.9, new Box(5, 5, 2, 2)), p), 64, 48))
                .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.kind()).isEqualTo(InferenceException.Kind.MALFORMED))
                .hasMessageContaining("model m/1").hasMessageContaining(why);
    }

    @Test
    void aFrameWithAMalformedAnswerIsCountedAsAMalformedFailureAndTheNextFrameGoesOn() {
        InferenceAdapter adapter = new InferenceAdapter() {
            @Override
            public String modelId() {
                return "m/1";
            }

            @Override
            public ModelType modelType() {
                return ModelType.OBJECT_DETECTION;
            }

            @Override
            public Mono<InferenceResult> infer(VideoFrame frame) {
                double confidence = frame.sequence() == 1 ? 7.0 : 0.7;
                return Mono.just(Results.inferred("cam-1", "m/1", frame.sequence(), "id-" + frame.sequence(),
                        Prediction.detection("person", confidence, new Box(10, 10, 4, 4))).result());
            }

            @Override
            public void close() {
            }
        };
        List<VideoFrame> frames = List.of(Frames.black(0), Frames.black(1), Frames.black(2));
        Flux<FrameEvent> events = Flux.fromIterable(frames).map(FrameEvent.Captured::new);
        StepVerifier.create(events.transform(InferenceStage.create("cam-1", adapter, 2, Duration.ofSeconds(5), Schedulers.parallel())))
                .assertNext(e -> assertThat(e).isInstanceOfSatisfying(FrameEvent.Inferred.class, i -> {
                    // the frames were made before the stage started: they waited; their decode time is unknown
                    assertThat(i.waitNanos()).isPositive();
                    assertThat(i.decodeNanos()).isEqualTo(-1);
                }))
                .assertNext(e -> assertThat(e).isInstanceOfSatisfying(FrameEvent.Failed.class, f -> {
                    assertThat(f.kind()).isEqualTo(InferenceException.Kind.MALFORMED);
                    assertThat(f.message()).contains("confidence 7.0");
                }))
                .assertNext(e -> assertThat(e).isInstanceOf(FrameEvent.Inferred.class))
                .verifyComplete();
        assertThat(frames).allSatisfy(f -> assertThat(f.tryRetain()).isFalse()); // every frame released
    }

    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(5);

    /**
     * An adapter whose answers the test gives. Like a real one it takes its own reference to a
     * frame when a call starts, and gives it back when its worker is done with the pixels: when it
     * answers, or, for a cancelled or timed-out call, when the test says the worker has finished.
     */
    private static final class ManualAdapter implements InferenceAdapter {
        final Map<Long, Sinks.One<InferenceResult>> calls = new ConcurrentHashMap<>();
        final Map<Long, VideoFrame> reading = new ConcurrentHashMap<>();
        final List<Long> cancelled = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String modelId() {
            return "m/1";
        }

        @Override
        public ModelType modelType() {
            return ModelType.OBJECT_DETECTION;
        }

        @Override
        public Mono<InferenceResult> infer(VideoFrame frame) {
            return Mono.defer(() -> {
                long seq = frame.sequence();
                assertThat(frame.tryRetain()).as("frame %d is alive when its call starts", seq).isTrue();
                reading.put(seq, frame);
                Sinks.One<InferenceResult> answer = Sinks.one();
                calls.put(seq, answer);
                return answer.asMono().doOnCancel(() -> cancelled.add(seq));
            });
        }

        /** The worker reads the frame, gives its reference back, and answers. */
        void answer(long seq) {
            workerDone(seq);
            calls.get(seq).tryEmitValue(Results.inferred("cam-1", "m/1", seq, "id-" + seq, Results.det("person", 0.7))
                    .result()).orThrow();
        }

        /** The worker of a call is done with the pixels (after a cancel or a timeout). */
        void workerDone(long seq) {
            reading.remove(seq).release();
        }

        @Override
        public void close() {
        }
    }

    /** On real time the timeout is far away, so a slow machine never turns a held call into a timeout. */
    private static InferenceStage stage(InferenceAdapter adapter, int maxInFlight, Scheduler timer) {
        return stage(adapter, maxInFlight, timer, Duration.ofMinutes(1));
    }

    private static InferenceStage stage(InferenceAdapter adapter, int maxInFlight, Scheduler timer, Duration timeout) {
        return InferenceStage.create("cam-1", adapter, maxInFlight, timeout, timer);
    }

    private static FrameEvent.Captured captured(long seq) {
        return new FrameEvent.Captured(Frames.black(seq));
    }

    @Test
    void eachFrameIsReleasedWhenItsInferenceEndsAndNothingIsLeftToDiscardAtCompletion() {
        ManualAdapter adapter = new ManualAdapter();
        TestPublisher<FrameEvent> upstream = TestPublisher.create();
        FrameEvent.Captured c0 = captured(0);
        FrameEvent.Dropped d1 = new FrameEvent.Dropped(1, FrameEvent.DropReason.RATE_LIMIT);
        FrameEvent.Captured c2 = captured(2);
        FrameEvent.Captured c3 = captured(3);
        StepVerifier.create(upstream.flux().transform(stage(adapter, 2, Schedulers.parallel())))
                .then(() -> {
                    upstream.next(c0);
                    upstream.next(d1);
                })
                // a drop carries no frame and passes at once, ahead of frame 0 still in inference
                .expectNext(d1)
                .expectNoEvent(Duration.ofMillis(20))
                .then(() -> assertThat(c0.frame().isReleased()).as("frame 0 in inference").isFalse())
                .then(() -> adapter.answer(0))
                .assertNext(e -> assertThat(e).isInstanceOfSatisfying(FrameEvent.Inferred.class,
                        i -> assertThat(i.sequence()).isZero()))
                .then(() -> assertThat(c0.frame().isReleased()).as("frame 0 once answered").isTrue())
                .then(() -> {
                    upstream.next(c2);
                    upstream.next(c3);
                })
                // answered out of order: frame 3 is released at once although its result waits for frame 2's
                .then(() -> adapter.answer(3))
                .then(() -> assertThat(c3.frame().isReleased()).as("frame 3 once answered").isTrue())
                .then(() -> assertThat(c2.frame().isReleased()).as("frame 2 in inference").isFalse())
                .expectNoEvent(Duration.ofMillis(20))
                .then(() -> adapter.answer(2))
                .assertNext(e -> assertThat(e.sequence()).isEqualTo(2))
                .assertNext(e -> assertThat(e.sequence()).isEqualTo(3))
                .then(upstream::complete)
                .expectComplete()
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasNotDiscardedElements();
        assertThat(List.of(c0, c2, c3)).allSatisfy(c -> assertThat(c.frame().isReleased()).isTrue());
        assertThat(adapter.cancelled).isEmpty();
    }

    @Test
    void cancellationReleasesTheFrameInInferenceOnceTheAdapterIsDoneWithItAndTheFramesQueuedBeforeTheStage() {
        ManualAdapter adapter = new ManualAdapter();
        TestPublisher<FrameEvent> upstream = TestPublisher.create();
        List<FrameEvent.Captured> events = List.of(captured(0), captured(1), captured(2));
        StepVerifier.create(upstream.flux()
                                // reading ahead, as a file source does: frames 1 and 2 wait in this queue
                                .publishOn(Schedulers.immediate(), 8)
                                .transform(stage(adapter, 1, Schedulers.parallel())))
                .then(() -> events.forEach(upstream::next))
                .expectNoEvent(Duration.ofMillis(20))
                .then(() -> assertThat(adapter.calls).containsOnlyKeys(0L))
                .thenCancel()
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasDiscardedExactly(events.get(1), events.get(2));
        assertThat(adapter.cancelled).containsExactly(0L);
        assertThat(events.get(1).frame().isReleased()).isTrue();
        assertThat(events.get(2).frame().isReleased()).isTrue();
        // the pipeline's reference to frame 0 is gone; the adapter's worker still reads it
        VideoFrame inInference = events.get(0).frame();
        assertThat(inInference.isReleased()).as("frame 0 while the worker reads it").isFalse();
        adapter.workerDone(0);
        assertThat(inInference.isReleased()).as("frame 0 after the worker").isTrue();
    }

    @Test
    void anUpstreamErrorReleasesTheFramesInInferenceAndPassesThrough() {
        ManualAdapter adapter = new ManualAdapter();
        TestPublisher<FrameEvent> upstream = TestPublisher.create();
        FrameEvent.Captured c0 = captured(0);
        FrameEvent.Captured c1 = captured(1);
        StepVerifier.create(upstream.flux().transform(stage(adapter, 2, Schedulers.parallel())))
                .then(() -> {
                    upstream.next(c0);
                    upstream.next(c1);
                })
                .expectNoEvent(Duration.ofMillis(20))
                .then(() -> upstream.error(new IllegalStateException("source failed")))
                .expectErrorMessage("source failed")
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasNotDiscardedElements();
        assertThat(adapter.cancelled).containsExactlyInAnyOrder(0L, 1L);
        assertThat(List.of(c0, c1)).allSatisfy(c -> assertThat(c.frame().isReleased()).isFalse());
        adapter.workerDone(0);
        adapter.workerDone(1);
        // nothing but the adapter held them: the pipeline's references went with the error
        assertThat(List.of(c0, c1)).allSatisfy(c -> assertThat(c.frame().isReleased()).isTrue());
    }

    @Test
    void aFrameWhoseInferenceTimesOutIsReleasedAndCountedAsATimeout() {
        ManualAdapter adapter = new ManualAdapter();
        FrameEvent.Captured c0 = captured(0);
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(c0).concatWith(Flux.never())
                        .transform(stage(adapter, 1, VirtualTimeScheduler.get(), Duration.ofSeconds(2))))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(1_999))
                .then(() -> assertThat(c0.frame().isReleased()).isFalse())
                .thenAwait(Duration.ofMillis(1))
                .assertNext(e -> assertThat(e).isInstanceOfSatisfying(FrameEvent.Failed.class, f -> {
                    assertThat(f.sequence()).isZero();
                    assertThat(f.kind()).isEqualTo(InferenceException.Kind.TIMEOUT);
                }))
                .thenCancel()
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasNotDiscardedElements();
        assertThat(adapter.cancelled).containsExactly(0L);
        adapter.workerDone(0);
        assertThat(c0.frame().isReleased()).isTrue();
    }

    @Test
    void framesArrivingWhileInferenceIsBusyAreReleasedAtOnceAndRecordedAsBusy() {
        ManualAdapter adapter = new ManualAdapter();
        TestPublisher<FrameEvent> camera = TestPublisher.create();
        Queue<FrameEvent.Dropped> missed = new ConcurrentLinkedQueue<>();
        List<FrameEvent.Captured> events = List.of(captured(0), captured(1), captured(2), captured(3));
        StepVerifier.create(camera.flux()
                        .transform(FramePacing.latestWins(missed))
                        .transform(stage(adapter, 1, Schedulers.parallel()))
                        .transform(FramePacing.reinsert(missed)))
                .then(() -> events.forEach(camera::next))
                // frame 0 in inference, 3 waiting as the newest; 1 and 2 were replaced
                .then(() -> assertThat(adapter.calls).containsOnlyKeys(0L))
                .then(() -> assertThat(events.get(1).frame().isReleased()).isTrue())
                .then(() -> assertThat(events.get(2).frame().isReleased()).isTrue())
                .then(() -> assertThat(events.get(0).frame().isReleased()).isFalse())
                .then(() -> assertThat(events.get(3).frame().isReleased()).isFalse())
                .then(() -> adapter.answer(0))
                .expectNext(new FrameEvent.Dropped(1, FrameEvent.DropReason.INFERENCE_BUSY),
                        new FrameEvent.Dropped(2, FrameEvent.DropReason.INFERENCE_BUSY))
                .assertNext(e -> assertThat(e).isInstanceOf(FrameEvent.Inferred.class))
                .then(() -> adapter.answer(3))
                .assertNext(e -> assertThat(e.sequence()).isEqualTo(3))
                .then(camera::complete)
                .expectComplete()
                .verifyThenAssertThat(VERIFY_TIMEOUT)
                .hasDiscardedExactly(events.get(1), events.get(2));
        assertThat(events).allSatisfy(c -> assertThat(c.frame().isReleased()).isTrue());
        assertThat(missed).isEmpty();
    }

    /**
     * A sampled file: every tenth frame is inferred, the nine between were skipped by
     * {@code max_fps}. With two slots the inferences of frames 0 and 10 overlap and the skipped
     * frames pass by at once: on virtual time, with a detector that takes a second, frames 1-9
     * pass at 0 s, frames 0 and 10 are answered at 1 s (frames 11-19 pass then: the next frame to
     * infer, 20, is asked of the source when a slot frees), frame 20 at 2 s. When skipped frames
     * held slots, nothing passed at 0 s and frame 10 started only after frame 0's answer.
     */
    @Test
    void skippedFramesHoldNoSlotSoTwoSlowInferencesOverlap() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        List<FrameEvent> atOneSecond = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> {
                    Scheduler time = VirtualTimeScheduler.get();
                    InferenceAdapter slow = new InferenceAdapter() {
                        @Override
                        public String modelId() {
                            return "m/1";
                        }

                        @Override
                        public ModelType modelType() {
                            return ModelType.OBJECT_DETECTION;
                        }

                        @Override
                        public Mono<InferenceResult> infer(VideoFrame frame) {
                            long seq = frame.sequence();
                            return Mono.defer(() -> {
                                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                                // the call is over when its answer is made, before the stage sees it
                                return Mono.delay(Duration.ofSeconds(1), time)
                                        .doOnNext(t -> inFlight.decrementAndGet())
                                        .map(t -> Results.inferred("cam-1", "m/1", seq, "id-" + seq, Results.det("person", 0.7)).result());
                            });
                        }

                        @Override
                        public void close() {
                        }
                    };
                    return Flux.range(0, 21)
                            .<FrameEvent>map(i -> i % 10 == 0 ? captured(i) : new FrameEvent.Dropped(i, FrameEvent.DropReason.RATE_LIMIT))
                            .transform(stage(slow, 2, time));
                })
                .expectSubscription()
                .expectNextCount(9)
                .expectNoEvent(Duration.ofSeconds(1))
                .recordWith(() -> atOneSecond)
                .expectNextCount(11)
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(e -> assertThat(e).isInstanceOfSatisfying(FrameEvent.Inferred.class, i -> assertThat(i.sequence()).isEqualTo(20)))
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        assertThat(atOneSecond).filteredOn(e -> e instanceof FrameEvent.Inferred).extracting(FrameEvent::sequence)
                .as("answered in frame order (0 and 10 at 1 s, 20 at 2 s: the recording goes on to the end)")
                .containsExactly(0L, 10L, 20L);
        assertThat(atOneSecond).filteredOn(e -> e instanceof FrameEvent.Dropped).extracting(FrameEvent::sequence)
                .containsExactly(11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L);
        assertThat(mostInFlight.get()).as("inferences at once").isEqualTo(2);
    }

    @Test
    void aRunningStageFollowsAChangedLimitOfFramesInFlight() {
        ManualAdapter adapter = new ManualAdapter();
        TestPublisher<FrameEvent> upstream = TestPublisher.create();
        InFlightLimit limit = new InFlightLimit(1);
        List<FrameEvent.Captured> events = List.of(captured(0), captured(1), captured(2), captured(3), captured(4), captured(5));
        StepVerifier.create(upstream.flux()
                                .publishOn(Schedulers.immediate(), 8)
                                .transform(InferenceStage.create("cam-1", adapter, limit, Duration.ofMinutes(1), Schedulers.parallel(),
                                        FrameTap.NONE)))
                .then(() -> events.forEach(upstream::next))
                .then(() -> assertThat(adapter.calls).as("in flight at limit 1").containsOnlyKeys(0L))
                // a reload gives the camera three frames in flight: two more start at once
                .then(() -> limit.set(3))
                .then(() -> assertThat(adapter.calls).as("in flight at limit 3").containsOnlyKeys(0L, 1L, 2L))
                .then(() -> adapter.answer(0))
                .expectNextMatches(e -> e.sequence() == 0)
                .then(() -> assertThat(adapter.calls).as("frame 0 done at limit 3").containsOnlyKeys(0L, 1L, 2L, 3L))
                // back to one: no frame starts until only one would be in flight
                .then(() -> limit.set(1))
                .then(() -> adapter.answer(1))
                .expectNextMatches(e -> e.sequence() == 1)
                .then(() -> adapter.answer(2))
                .expectNextMatches(e -> e.sequence() == 2)
                .then(() -> assertThat(adapter.calls).as("two in flight at limit 1").containsOnlyKeys(0L, 1L, 2L, 3L))
                .then(() -> adapter.answer(3))
                .expectNextMatches(e -> e.sequence() == 3)
                .then(() -> assertThat(adapter.calls).as("frame 3 done at limit 1").containsOnlyKeys(0L, 1L, 2L, 3L, 4L))
                .then(() -> adapter.answer(4))
                .expectNextMatches(e -> e.sequence() == 4)
                .then(() -> adapter.answer(5))
                .expectNextMatches(e -> e.sequence() == 5)
                .then(upstream::complete)
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        assertThat(events).allSatisfy(c -> assertThat(c.frame().isReleased()).isTrue());
    }
}
