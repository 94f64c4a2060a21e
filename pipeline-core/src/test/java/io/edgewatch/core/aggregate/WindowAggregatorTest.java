package io.edgewatch.core.aggregate;

import static io.edgewatch.core.testing.Results.det;
import static io.edgewatch.core.testing.Results.inferred;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.aggregate.internal.FrameSummary;
import io.edgewatch.core.aggregate.internal.WindowAccumulator;
import io.edgewatch.core.clock.ClockStep;
import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.testing.Frames;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

class WindowAggregatorTest {

    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FIVE = Duration.ofSeconds(5);

    private static WindowAggregator aggregator(String model) {
        return aggregator(model, new AtomicReference<>(Duration.ZERO));
    }

    /** Windows on virtual time, labelled by a wall clock that is virtual time plus {@code step}, moved by the test. */
    private static WindowAggregator aggregator(String model, AtomicReference<Duration> step) {
        VirtualTimeScheduler vts = VirtualTimeScheduler.get();
        return WindowAggregator.create(WindowOptions.of("cam-1", model, ModelType.OBJECT_DETECTION, FIVE)
                .withScheduler(vts).withClock(virtualClocks(vts, step)));
    }

    static ClockWatch virtualClocks(VirtualTimeScheduler vts, AtomicReference<Duration> step) {
        return ClockWatch.of(() -> vts.now(TimeUnit.NANOSECONDS), new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.EPOCH.plusNanos(vts.now(TimeUnit.NANOSECONDS)).plus(step.get());
            }
        });
    }

    /**
     * NTP stepping the wall clock +1 h, then back -1 h, each in the middle of a window (review-lifecycle
     * 7, issue 31): the first wave labelled windows with the scheduler's wall clock, so the window that
     * spans a backward step ended an hour before it started. Each step now closes the open window at
     * the step (checked every second) with {@code clockStep} said, the next window is labelled on the
     * new clock, and every window's length is the time that passed on the monotonic clock.
     */
    @Test
    void aWallClockStepClosesTheOpenWindowAtTheStepAndEveryLengthIsTheMonotonicOne() {
        AtomicReference<Duration> step = new AtomicReference<>(Duration.ZERO);
        TestPublisher<FrameEvent> frames = TestPublisher.create();
        List<ClockStep> heard = new ArrayList<>();
        ClockWatch[] clocks = new ClockWatch[1];
        List<WindowReport> reports = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> {
                    VirtualTimeScheduler vts = VirtualTimeScheduler.get();
                    clocks[0] = virtualClocks(vts, step);
                    clocks[0].onStep(heard::add);
                    return frames.flux().transform(WindowAggregator.create(WindowOptions.of("cam-1", "m/1",
                            ModelType.OBJECT_DETECTION, FIVE).withScheduler(vts).withClock(clocks[0])));
                })
                .expectSubscription()
                .then(() -> frames.next(inferred("cam-1", "m/1", 0, "a", det("car", 0.9))))
                .thenAwait(Duration.ofMillis(2_500))
                // +1 h at 2.5 s: seen by the check at 3 s
                .then(() -> step.set(Duration.ofHours(1)))
                .thenAwait(Duration.ofMillis(500))
                .assertNext(reports::add)
                .then(() -> frames.next(inferred("cam-1", "m/1", 1, "b", det("car", 0.8))))
                // the tick at 5 s is 2 s after the step's cut: the window after the step ends at 10 s
                .expectNoEvent(Duration.ofSeconds(7))
                .assertNext(reports::add)
                .thenAwait(Duration.ofMillis(2_200))
                // back -1 h at 12.2 s: seen at 13 s
                .then(() -> step.set(Duration.ZERO))
                .thenAwait(Duration.ofMillis(800))
                .assertNext(reports::add)
                .expectNoEvent(Duration.ofSeconds(7))
                .assertNext(reports::add)
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
        Instant t0 = Instant.EPOCH;
        Instant hour = t0.plus(Duration.ofHours(1));
        assertThat(reports).extracting(WindowReport::windowStart, WindowReport::windowEnd, WindowReport::clockStep,
                        WindowReport::framesSeen)
                .containsExactly(
                        tuple(t0, t0.plusSeconds(3), Duration.ofHours(1), 1L),
                        tuple(hour.plusSeconds(3), hour.plusSeconds(10), null, 1L),
                        tuple(hour.plusSeconds(10), hour.plusSeconds(13), Duration.ofHours(-1), 0L),
                        tuple(t0.plusSeconds(13), t0.plusSeconds(20), null, 0L));
        assertThat(reports).allSatisfy(r -> assertThat(r.windowEnd()).isAfterOrEqualTo(r.windowStart()));
        assertThat(reports).extracting(WindowReport::seconds).containsExactly(3.0, 7.0, 3.0, 7.0);
        assertThat(heard).extracting(ClockStep::seconds, ClockStep::count).containsExactly(tuple(3600.0, 1L), tuple(-3600.0, 2L));
        assertThat(heard.get(1).before()).isEqualTo(hour.plusSeconds(13));
        assertThat(heard.get(1).after()).isEqualTo(t0.plusSeconds(13));
        assertThat(clocks[0].steps()).isEqualTo(2);
    }

    /** The two clocks read a few microseconds apart each time: the windows stay contiguous, one's end the next one's start. */
    @Test
    void microsecondJitterBetweenTheClocksKeepsWindowsContiguous() {
        AtomicReference<Duration> step = new AtomicReference<>(Duration.ZERO);
        int[] reads = {0};
        List<WindowReport> reports = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> {
                    VirtualTimeScheduler vts = VirtualTimeScheduler.get();
                    ClockWatch jittery = ClockWatch.of(() -> vts.now(TimeUnit.NANOSECONDS), new Clock() {
                        @Override
                        public ZoneId getZone() {
                            return ZoneOffset.UTC;
                        }

                        @Override
                        public Clock withZone(ZoneId zone) {
                            return this;
                        }

                        @Override
                        public Instant instant() {
                            return Instant.EPOCH.plusNanos(vts.now(TimeUnit.NANOSECONDS) + (reads[0]++ % 2 == 0 ? 3_000 : -2_000));
                        }
                    });
                    return Flux.<FrameEvent>never().transform(WindowAggregator.create(WindowOptions.of("cam-1", "m/1",
                            ModelType.OBJECT_DETECTION, FIVE).withScheduler(vts).withClock(jittery)));
                })
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(15))
                .recordWith(() -> reports)
                .expectNextCount(3)
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
        assertThat(reports.get(1).windowStart()).isEqualTo(reports.get(0).windowEnd());
        assertThat(reports.get(2).windowStart()).isEqualTo(reports.get(1).windowEnd());
        assertThat(reports).extracting(WindowReport::seconds).containsOnly(5.0);
    }

    /** A move of the wall clock under a second (NTP slewing, a small step) cuts nothing; the next window is labelled on the moved clock. */
    @Test
    void aMoveOfTheWallClockUnderASecondIsNoStep() {
        AtomicReference<Duration> step = new AtomicReference<>(Duration.ZERO);
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>never().transform(aggregator("m/1", step)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .then(() -> step.set(Duration.ofMillis(400)))
                .expectNoEvent(Duration.ofSeconds(3))
                .assertNext(r -> {
                    assertThat(r.windowStart()).isEqualTo(Instant.EPOCH);
                    assertThat(r.windowEnd()).isEqualTo(Instant.EPOCH.plusSeconds(5));
                    assertThat(r.clockStep()).isNull();
                })
                .thenAwait(FIVE)
                .assertNext(r -> {
                    assertThat(r.windowStart()).isEqualTo(Instant.EPOCH.plusMillis(5_400));
                    assertThat(r.seconds()).isEqualTo(5.0);
                    assertThat(r.clockStep()).isNull();
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void closesEmptyWindowsOnTheTimerWithNoInput() {
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>never().transform(aggregator("m/1")))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(4_999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(r -> {
                    assertThat(r.cameraId()).isEqualTo("cam-1");
                    assertThat(r.modelId()).isEqualTo("m/1");
                    assertThat(r.modelType()).isEqualTo("object-detection");
                    assertThat(r.framesSeen()).isZero();
                    assertThat(r.inferenceResults()).isEmpty();
                    assertThat(r.windowStart()).isEqualTo(Instant.EPOCH);
                    assertThat(r.windowEnd()).isEqualTo(Instant.EPOCH.plusSeconds(5));
                })
                .expectNoEvent(Duration.ofMillis(4_999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(r -> {
                    assertThat(r.windowStart()).isEqualTo(Instant.EPOCH.plusSeconds(5));
                    assertThat(r.windowEnd()).isEqualTo(Instant.EPOCH.plusSeconds(10));
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void keepsTheMostConfidentPerClassInFirstSeenOrderAndTiesKeepTheEarliest() {
        TestPublisher<FrameEvent> frames = TestPublisher.create();
        StepVerifier.withVirtualTime(() -> frames.flux().transform(aggregator("m/1")))
                .expectSubscription()
                .then(() -> frames.next(inferred("cam-1", "m/1", 0, "a", det("car", 0.5), det("person", 0.7))))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> frames.next(inferred("cam-1", "m/1", 1, "b", det("person", 0.7), det("dog", 0.2))))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> frames.next(inferred("cam-1", "m/1", 2, "c", det("car", 0.9), det("car", 0.1))))
                .thenAwait(Duration.ofSeconds(3))
                .assertNext(r -> {
                    assertThat(r.inferenceResults()).containsExactly(
                            new ClassResult("m/1", "car", 0.9, "c", "object-detection"),
                            new ClassResult("m/1", "person", 0.7, "a", "object-detection"),
                            new ClassResult("m/1", "dog", 0.2, "b", "object-detection"));
                    assertThat(r.framesSeen()).isEqualTo(3);
                    assertThat(r.framesInferred()).isEqualTo(3);
                    assertThat(r.classStats()).extracting(ClassStats::className, ClassStats::count, ClassStats::frames,
                                    ClassStats::minConfidence, ClassStats::meanConfidence, ClassStats::maxConfidence)
                            .containsExactly(tuple("car", 3L, 2L, 0.1, 0.5, 0.9), tuple("person", 2L, 2L, 0.7, 0.7, 0.7),
                                    tuple("dog", 1L, 1L, 0.2, 0.2, 0.2));
                    ClassStats car = r.classStats().get(0);
                    assertThat(car.confidence().sparse()).containsExactly(entry(10, 1L), entry(50, 1L), entry(90, 1L));
                    assertThat(car.medianConfidence()).isCloseTo(0.5, within(0.01));
                    // the result builder's call takes 25 ms
                    assertThat(car.meanCallMillis()).isEqualTo(25.0);
                    assertThat(r.classStats().get(1).medianConfidence()).isEqualTo(0.7);
                    assertThat(r.framesEmpty()).isZero();
                    assertThat(r.reportedInferenceIds()).containsExactly("c", "a", "b");
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
        frames.assertCancelled();
    }

    @Test
    void countsFramesWithoutPredictionsAndTimesDecodeAndWaitOfInferredFrames() {
        FrameEvent.Inferred withTimes = new FrameEvent.Inferred(
                inferred("cam-1", "m/1", 0, "a", det("car", 0.8)).result(), 4_000_000, 11_000_000);
        FrameEvent.Inferred nothing = new FrameEvent.Inferred(inferred("cam-1", "m/1", 1, "b").result(), 6_000_000, 1_000_000);
        // a result with unknown times (-1) adds to neither histogram
        FrameEvent.Inferred unknown = inferred("cam-1", "m/1", 2, "c");
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(withTimes, nothing, unknown,
                                new FrameEvent.Dropped(3, FrameEvent.DropReason.RATE_LIMIT))
                        .concatWith(Flux.never()).transform(aggregator("m/1")))
                .thenAwait(FIVE)
                .assertNext(r -> {
                    assertThat(r.framesInferred()).isEqualTo(3);
                    assertThat(r.framesEmpty()).isEqualTo(2);
                    assertThat(r.emptyCallMillis()).isEqualTo(50.0);
                    assertThat(r.decodeLatency().count()).isEqualTo(2);
                    assertThat(r.decodeLatency().meanMillis()).isCloseTo(5.0, within(0.05));
                    assertThat(r.waitLatency().count()).isEqualTo(2);
                    assertThat(r.waitLatency().maxMillis()).isCloseTo(11.0, within(0.1));
                    assertThat(r.inferenceLatency().count()).isEqualTo(3);
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void confidenceDistributionOfAWindowSpansFramesAndBatches() {
        List<FrameEvent> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            // 0.300 .. 0.599 by 0.001: median 0.4495, a third of them in each tenth from 0.3 to 0.6
            events.add(inferred("cam-1", "m/1", i, "i" + i, det("person", 0.3 + i / 1000.0)));
        }
        StepVerifier.withVirtualTime(() -> Flux.fromIterable(events).concatWith(Flux.never()).transform(aggregator("m/1")))
                .thenAwait(FIVE)
                .assertNext(r -> {
                    ClassStats p = r.classStats().get(0);
                    assertThat(p.count()).isEqualTo(300);
                    assertThat(p.confidence().total()).isEqualTo(300);
                    assertThat(p.medianConfidence()).isCloseTo(0.4495, within(0.01));
                    assertThat(p.confidence().buckets(10)).containsExactly(0, 0, 0, 100, 100, 100, 0, 0, 0, 0);
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void tieWithinOneFrameKeepsTheEarliestBox() {
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(
                        inferred("cam-1", "m/1", 0, "x", det("car", 0.6), det("car", 0.6)),
                        inferred("cam-1", "m/1", 1, "y", det("car", 0.6)))
                        .concatWith(Flux.never())
                        .transform(aggregator("m/1")))
                .thenAwait(FIVE)
                .assertNext(r -> assertThat(r.inferenceResults())
                        .containsExactly(new ClassResult("m/1", "car", 0.6, "x", "object-detection")))
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void framesGoToTheWindowTheyArriveInAndEachWindowStartsAfresh() {
        TestPublisher<FrameEvent> frames = TestPublisher.create();
        StepVerifier.withVirtualTime(() -> frames.flux().transform(aggregator("m/1")))
                .expectSubscription()
                .then(() -> frames.next(inferred("cam-1", "m/1", 0, "a", det("car", 0.9))))
                .thenAwait(Duration.ofSeconds(6))
                .assertNext(r -> assertThat(r.inferenceResults()).extracting(ClassResult::inferenceId).containsExactly("a"))
                .then(() -> frames.next(inferred("cam-1", "m/1", 1, "b", det("car", 0.3))))
                .thenAwait(Duration.ofSeconds(4))
                .assertNext(r -> {
                    assertThat(r.inferenceResults()).extracting(ClassResult::inferenceId).containsExactly("b");
                    assertThat(r.inferenceResults()).extracting(ClassResult::confidence).containsExactly(0.3);
                    assertThat(r.framesSeen()).isEqualTo(1);
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void countsDropsAndFailuresByReason() {
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(
                        new FrameEvent.Dropped(0, FrameEvent.DropReason.RATE_LIMIT),
                        inferred("cam-1", "m/1", 1, "a", det("car", 0.9)),
                        new FrameEvent.Dropped(2, FrameEvent.DropReason.RATE_LIMIT),
                        new FrameEvent.Failed(3, InferenceException.Kind.TIMEOUT, "slow"),
                        new FrameEvent.Dropped(4, FrameEvent.DropReason.INFERENCE_BUSY))
                        .concatWith(Flux.never())
                        .transform(aggregator("m/1")))
                .thenAwait(FIVE)
                .assertNext(r -> {
                    assertThat(r.framesSeen()).isEqualTo(5);
                    assertThat(r.framesInferred()).isEqualTo(1);
                    assertThat(r.framesDropped()).isEqualTo(3);
                    assertThat(r.inferenceErrors()).isEqualTo(1);
                    assertThat(r.droppedByReason()).containsEntry("rate_limit", 2L).containsEntry("inference_busy", 1L);
                    assertThat(r.errorsByKind()).containsExactlyEntriesOf(Map.of("timeout", 1L));
                    assertThat(r.inferenceLatency().count()).isEqualTo(1);
                    assertThat(r.inferenceLatency().p50Millis()).isBetween(19.0, 21.0);
                    assertThat(r.endToEndLatency().maxMillis()).isBetween(29.0, 31.0);
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void severalModelsGetOneReportEachWithTheCamerasOwnModelFirst() {
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(
                        inferred("cam-1", "other/2", ModelType.CLASSIFICATION, 0, "k", Prediction.of("car", 0.4)),
                        inferred("cam-1", "m/1", 0, "a", det("car", 0.8)))
                        .concatWith(Flux.never())
                        .transform(aggregator("m/1")))
                .thenAwait(FIVE)
                .assertNext(r -> {
                    assertThat(r.modelId()).isEqualTo("m/1");
                    assertThat(r.inferenceResults()).containsExactly(new ClassResult("m/1", "car", 0.8, "a", "object-detection"));
                })
                .assertNext(r -> {
                    assertThat(r.modelId()).isEqualTo("other/2");
                    assertThat(r.modelType()).isEqualTo("classification");
                    assertThat(r.framesInferred()).isEqualTo(1);
                    assertThat(r.inferenceResults()).containsExactly(new ClassResult("other/2", "car", 0.4, "k", "classification"));
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void classificationCandidatesAllCompeteAndMissingFieldsGetTheReferenceDefaults() {
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(
                        // single-label: every class of the list is a candidate, not only the top one
                        inferred("cam-1", "cls/1", ModelType.CLASSIFICATION, 0, "f0",
                                Prediction.of("cat", 0.9), Prediction.of("dog", 0.1)),
                        // multi-label, read from a map, plus a candidate with no class and no confidence
                        inferred("cam-1", "cls/1", ModelType.CLASSIFICATION, 1, "f1",
                                Prediction.of("dog", 0.6), Prediction.of(null, null)))
                        .concatWith(Flux.never())
                        .transform(WindowAggregator.create(WindowOptions.of("cam-1", "cls/1", ModelType.CLASSIFICATION, FIVE)
                                .withScheduler(VirtualTimeScheduler.get()))))
                .thenAwait(FIVE)
                .assertNext(r -> assertThat(r.inferenceResults()).containsExactly(
                        new ClassResult("cls/1", "cat", 0.9, "f0", "classification"),
                        new ClassResult("cls/1", "dog", 0.6, "f1", "classification"),
                        new ClassResult("cls/1", "", 0.0, "f1", "classification")))
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void completionFlushesTheOpenWindowEarly() {
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(inferred("cam-1", "m/1", 0, "a", det("car", 0.9)))
                        .concatWith(Flux.<FrameEvent>empty().delaySubscription(Duration.ofSeconds(2)))
                        .transform(aggregator("m/1")))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .assertNext(r -> {
                    assertThat(r.framesSeen()).isEqualTo(1);
                    assertThat(r.windowEnd()).isEqualTo(Instant.EPOCH.plusSeconds(2));
                })
                .verifyComplete();
    }

    @Test
    void upstreamErrorFlushesTheOpenWindowThenPropagates() {
        TestPublisher<FrameEvent> frames = TestPublisher.create();
        StepVerifier.withVirtualTime(() -> frames.flux().transform(aggregator("m/1")))
                .expectSubscription()
                .then(() -> frames.next(inferred("cam-1", "m/1", 0, "a", det("car", 0.9))))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> frames.error(new IllegalStateException("camera unplugged")))
                .assertNext(r -> assertThat(r.inferenceResults()).hasSize(1))
                .expectErrorMessage("camera unplugged")
                .verify(VERIFY_TIMEOUT);
    }

    @Test
    void cancellationCancelsUpstreamAndStopsTheTimer() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        TestPublisher<FrameEvent> frames = TestPublisher.create();
        List<WindowReport> seen = new ArrayList<>();
        var subscription = frames.flux()
                .transform(WindowAggregator.create(WindowOptions.of("cam-1", "m/1", ModelType.OBJECT_DETECTION, FIVE)
                        .withScheduler(vts)))
                .subscribe(seen::add);
        vts.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(seen).hasSize(1);
        subscription.dispose();
        frames.assertCancelled();
        vts.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(seen).hasSize(1);
    }

    @Test
    void capturedFramesThatReachTheAggregatorAreCountedAndReleased() {
        var frame = Frames.black(0);
        StepVerifier.withVirtualTime(() -> Flux.<FrameEvent>just(new FrameEvent.Captured(frame))
                        .concatWith(Flux.never())
                        .transform(aggregator("m/1")))
                .thenAwait(FIVE)
                .assertNext(r -> {
                    assertThat(r.framesSeen()).isEqualTo(1);
                    assertThat(r.framesInferred()).isZero();
                })
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
        assertThat(frame.isReleased()).isTrue();
    }

    @Test
    void memoryOfAWindowIsBoundedByClassesNotByFramesOrBoxes() {
        // a frame with 10,000 boxes of 3 classes is buffered as 3 tallies
        Prediction[] boxes = new Prediction[10_000];
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = det("class-" + (i % 3), (i % 100) / 100.0);
        }
        FrameSummary one = FrameSummary.of(inferred("cam-1", "m/1", 0, "a", boxes));
        assertThat(one.classCount()).isEqualTo(3);

        // 100,000 frames folded into one window leave it holding 3 classes
        WindowAccumulator window = new WindowAccumulator("cam-1", "m/1", "object-detection", Instant.EPOCH);
        for (int i = 0; i < 100_000; i++) {
            window.add(FrameSummary.of(inferred("cam-1", "m/1", i, "id-" + i, det("class-" + (i % 3), 0.5))));
        }
        assertThat(window.classCount()).isEqualTo(3);
        WindowReport r = window.close(Instant.EPOCH.plusSeconds(5)).get(0);
        assertThat(r.framesSeen()).isEqualTo(100_000);
        assertThat(r.classStats()).extracting(ClassStats::count).containsExactly(33_334L, 33_333L, 33_333L);
        // ties over the whole window keep the earliest frame's id
        assertThat(r.inferenceResults()).extracting(ClassResult::inferenceId).containsExactly("id-0", "id-1", "id-2");
    }

    @Test
    void bufferedFramesNeverExceedTheBatchBound() {
        // 10,000 frames arriving at once are folded in batches of at most maxBatch
        List<Integer> batchSizes = new ArrayList<>();
        WindowOptions options = new WindowOptions("cam-1", "m/1", ModelType.OBJECT_DETECTION, FIVE, 64,
                Duration.ofMillis(50), Schedulers.immediate());
        Flux<FrameEvent> frames = Flux.range(0, 10_000).map(i -> inferred("cam-1", "m/1", i, "id-" + i, det("car", 0.5)));
        StepVerifier.create(frames.map(FrameSummary::of)
                        .bufferTimeout(options.maxBatch(), options.maxBatchDelay(), Schedulers.single())
                        .doOnNext(b -> batchSizes.add(b.size()))
                        .then())
                .verifyComplete();
        assertThat(batchSizes).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(64));
        assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(10_000);

        StepVerifier.create(frames.transform(WindowAggregator.create(options.withScheduler(Schedulers.parallel()))))
                .assertNext(r -> assertThat(r.framesSeen()).isEqualTo(10_000))
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
    }
}
