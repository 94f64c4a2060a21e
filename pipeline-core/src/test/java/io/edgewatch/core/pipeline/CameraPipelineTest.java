package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.bytedeco.opencv.global.opencv_core;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.frame.FramePool;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceIds;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The assembled camera: its windows never wait for its sinks, and every frame goes back on every path. */
class CameraPipelineTest {

    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ONE = Duration.ofSeconds(1);

    /** A source of no frames: the windows are cut by the timer alone. */
    static FrameSource quiet(boolean live) {
        return new FrameSource() {
            @Override
            public Flux<VideoFrame> frames() {
                return Flux.never();
            }

            @Override
            public String describe() {
                return "nothing";
            }

            @Override
            public boolean live() {
                return live;
            }
        };
    }

    static final InferenceAdapter NOTHING = new InferenceAdapter() {
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
            return Mono.empty();
        }

        @Override
        public void close() {
        }
    };

    /** A sink whose every write takes what {@code write} says, recording the reports it took, in order. */
    private static ReportSink sink(List<WindowReport> written, Function<WindowReport, Mono<Void>> write) {
        return new ReportSink() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public Mono<Void> write(WindowReport report) {
                return write.apply(report).doOnSuccess(v -> written.add(report));
            }

            @Override
            public void close() {
            }
        };
    }

    /** Built inside withVirtualTime's supplier, so the windows' timer and Mono.delay are on virtual time. */
    private static CameraPipeline pipeline(ReportSink sink, int reportBuffer) {
        WindowOptions plain = WindowOptions.of("cam-1", "m/1", ModelType.OBJECT_DETECTION, ONE);
        // windows measured and labelled on the virtual clock too, not on this machine's
        Scheduler timer = plain.scheduler();
        WindowOptions window = plain.withClock(ClockWatch.of(() -> timer.now(TimeUnit.NANOSECONDS), new Clock() {
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
                return Instant.ofEpochMilli(timer.now(TimeUnit.MILLISECONDS));
            }
        }));
        PipelineOptions options = new PipelineOptions(window, 0, 1, Duration.ofSeconds(5), reportBuffer);
        return new CameraPipeline(options, quiet(true), NOTHING, List.of(sink));
    }

    @Test
    void aSinkSlowerThanTheWindowsNeitherFailsTheCameraNorLosesAReport() {
        List<WindowReport> written = Collections.synchronizedList(new ArrayList<>());
        CameraPipeline[] built = new CameraPipeline[1];
        // 1.1 s per write against 1 s windows: the sink falls behind by 0.1 s a window
        StepVerifier.withVirtualTime(() -> {
                    built[0] = pipeline(sink(written, r -> Mono.delay(Duration.ofMillis(1_100)).then()),
                            PipelineOptions.DEFAULT_REPORT_BUFFER);
                    return built[0].run(Mono.delay(Duration.ofSeconds(60)));
                })
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(60))
                // the backlog (about 6 reports) is written after the stop, still in order
                .thenAwait(Duration.ofSeconds(20))
                .expectComplete()
                .verify(VERIFY_TIMEOUT);
        assertThat(written).hasSizeGreaterThanOrEqualTo(60);
        assertContiguous(written);
        assertThat(built[0].droppedReports()).isZero();
    }

    @Test
    void aSinkThatNeverAnswersLeavesABoundedBacklogWhoseDropsAreCountedAndTheCameraGoesOn() {
        List<WindowReport> written = Collections.synchronizedList(new ArrayList<>());
        CameraPipeline[] built = new CameraPipeline[1];
        StepVerifier.withVirtualTime(() -> {
                    built[0] = pipeline(sink(written, r -> Mono.never()), 8);
                    return built[0].run(Mono.never());
                })
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(100))
                // no error: the camera runs on, cutting windows the sink cannot take
                .expectNoEvent(Duration.ofSeconds(1))
                .thenCancel()
                .verify(VERIFY_TIMEOUT);
        assertThat(written).isEmpty();
        // 101 windows: one in the write that never ends, 8 waiting, the rest dropped
        assertThat(built[0].droppedReports()).isEqualTo(101 - 1 - 8);
    }

    /** In order, each window starting where the one before ended. */
    private static void assertContiguous(List<WindowReport> reports) {
        Instant end = Instant.EPOCH;
        for (WindowReport r : reports) {
            assertThat(r.windowStart()).as("start of the window after %s", end).isEqualTo(end);
            assertThat(r.windowEnd()).isAfterOrEqualTo(r.windowStart());
            end = r.windowEnd();
        }
    }

    /**
     * A camera as FfmpegSource reads one: frames from a pool, grabbed 3 ms apart by
     * {@code Flux.generate} on a thread of its own, where the grab is a native call that neither
     * checks for a cancel nor is interrupted by one (so the frame being grabbed at a stop is still
     * emitted, after the stop).
     */
    static final class GrabbingSource implements FrameSource {
        final FramePool pool = new FramePool(4);
        final List<VideoFrame> made = Collections.synchronizedList(new ArrayList<>());
        final List<ExecutorService> owners = Collections.synchronizedList(new ArrayList<>());
        private final boolean live;
        private final AtomicLong sequence = new AtomicLong();

        GrabbingSource(boolean live) {
            this.live = live;
        }

        @Override
        public Flux<VideoFrame> frames() {
            return Flux.defer(() -> {
                ExecutorService owner = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "test-grabber");
                    t.setDaemon(true);
                    return t;
                });
                owners.add(owner);
                return Flux.<VideoFrame>generate(sink -> {
                            long until = System.nanoTime() + 3_000_000;
                            for (long left; (left = until - System.nanoTime()) > 0; ) {
                                LockSupport.parkNanos(left);
                            }
                            VideoFrame f = new VideoFrame("cam-1", sequence.getAndIncrement(), System.nanoTime(), Instant.now(), -1,
                                    pool.take(48, 64, opencv_core.CV_8UC3), pool);
                            made.add(f);
                            sink.next(f);
                        })
                        .subscribeOn(Schedulers.fromExecutorService(owner))
                        .doFinally(signal -> owner.shutdown());
            });
        }

        @Override
        public String describe() {
            return "a test grabber";
        }

        @Override
        public boolean live() {
            return live;
        }

        /** Waits for every grabbing thread to end: the last frame of a run may come after the run completed. */
        void awaitGrabbers() throws InterruptedException {
            for (ExecutorService owner : owners) {
                assertThat(owner.awaitTermination(10, TimeUnit.SECONDS)).as("the grabbing thread ended").isTrue();
            }
        }
    }

    /** Answers each frame at once, on the inference workers' kind of thread. */
    static final InferenceAdapter ANSWERING = new InferenceAdapter() {
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
            return Mono.fromCallable(() -> new InferenceResult(InferenceIds.next(), frame.cameraId(), frame.sequence(), "m/1",
                            ModelType.OBJECT_DETECTION, List.of(), frame.capturedNanos(), frame.capturedAt(), Duration.ZERO,
                            Duration.ZERO, System.nanoTime()))
                    .subscribeOn(Schedulers.boundedElastic());
        }

        @Override
        public void close() {
        }
    };

    @ParameterizedTest(name = "live {0}")
    @ValueSource(booleans = {true, false})
    void everyFrameGoesBackToItsPoolAfterEachOfFiftyStopsIncludingTheOneGrabbedAtTheStop(boolean live) throws Exception {
        GrabbingSource source = new GrabbingSource(live);
        LastFrame last = LastFrame.keeping();
        List<WindowReport> written = Collections.synchronizedList(new ArrayList<>());
        CameraPipeline pipeline = new CameraPipeline(new PipelineOptions(
                WindowOptions.of("cam-1", "m/1", ModelType.OBJECT_DETECTION, ONE), 0, 2, Duration.ofSeconds(5)),
                source, ANSWERING, List.of(sink(written, r -> Mono.empty())), last);
        for (int i = 0; i < 50; i++) {
            pipeline.run(Mono.delay(Duration.ofMillis(60))).block(VERIFY_TIMEOUT);
        }
        source.awaitGrabbers();
        // the frame grabbed at the last stop may be released by its discard hook on another thread just after the grabber
        // ended: wait for that (a frame that is never released still fails below, after the wait)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.pool.outstanding() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(written).as("each run reported its window").hasSize(50);
        assertThat(source.made).as("frames grabbed").isNotEmpty();
        assertThat(source.made.stream().filter(f -> !f.isReleased()).map(VideoFrame::toString).toList())
                .as("frames never released").isEmpty();
        assertThat(source.pool.outstanding()).as("buffers not back in the pool").isZero();
    }
}
