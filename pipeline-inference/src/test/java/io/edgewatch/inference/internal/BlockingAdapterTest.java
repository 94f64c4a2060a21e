package io.edgewatch.inference.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.testing.Frames;
import io.edgewatch.inference.BlockingDetector;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

class BlockingAdapterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String WORKERS = "test-idle-workers";

    /** Detectors that count how many are alive and block each call until {@code burst} calls are in at once. */
    private static final class CountedDetectors {
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        volatile CountDownLatch burst;

        BlockingDetector make() {
            created.incrementAndGet();
            return new BlockingDetector() {
                @Override
                public List<Prediction> detect(Mat bgr) {
                    CountDownLatch all = burst;
                    all.countDown();
                    try {
                        // every call of a burst on a worker of its own: as many workers busy as calls
                        all.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return List.of();
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                }
            };
        }

        int alive() {
            return created.get() - closed.get();
        }
    }

    @Test
    void detectorsStayBoundedByTheCallsAtOnceWhenIdleWorkersAreReplaced() throws Exception {
        // a 1 s idle TTL: every worker of a burst is evicted before the next one, as after any lull of a minute
        Scheduler workers = Schedulers.newBoundedElastic(4, 1000, WORKERS, 1);
        CountedDetectors detectors = new CountedDetectors();
        BlockingAdapter adapter = BlockingAdapter.perThread("m/1", ModelType.OBJECT_DETECTION, detectors::make, workers);
        List<Integer> alive = new ArrayList<>();
        try {
            for (int burst = 0; burst < 4; burst++) {
                detectors.burst = new CountDownLatch(4);
                List<VideoFrame> frames = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    frames.add(Frames.black(burst * 4 + i));
                }
                List<InferenceResult> results = Flux.fromIterable(frames).flatMap(adapter::infer, 4)
                        .collectList().block(TIMEOUT);
                assertThat(results).hasSize(4);
                frames.forEach(VideoFrame::release);
                awaitWorkersEvicted();
                alive.add(detectors.alive());
            }
            assertThat(alive).as("detectors alive after each burst").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(4));
            assertThat(detectors.created.get()).as("detectors made for 4 bursts of 4 calls").isLessThanOrEqualTo(4);
        } finally {
            adapter.close();
            workers.dispose();
        }
        assertThat(detectors.alive()).as("detectors left after close").isZero();
    }

    @Test
    void aSharedDetectorIsClosedOnceWithTheAdapter() {
        Scheduler workers = Schedulers.newBoundedElastic(2, 100, "test-serial");
        CountedDetectors detectors = new CountedDetectors();
        BlockingDetector one = detectors.make();
        BlockingAdapter adapter = BlockingAdapter.serial("m/1", ModelType.OBJECT_DETECTION, one, workers);
        try {
            detectors.burst = new CountDownLatch(0);
            VideoFrame frame = Frames.black(0);
            assertThat(Flux.range(0, 3).concatMap(i -> adapter.infer(frame)).collectList().block(TIMEOUT)).hasSize(3);
            frame.release();
            adapter.close();
            adapter.close();
            assertThat(detectors.closed.get()).isEqualTo(1);
            assertThat(Mono.defer(() -> adapter.infer(Frames.black(1))).onErrorResume(e -> Mono.empty()).block(TIMEOUT)).isNull();
        } finally {
            workers.dispose();
        }
    }

    /** Waits until the scheduler has evicted every idle worker (its threads are gone). */
    private static void awaitWorkersEvicted() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(WORKERS) && t.isAlive())) {
            assertThat(System.nanoTime()).as("idle workers evicted within %s", TIMEOUT).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
