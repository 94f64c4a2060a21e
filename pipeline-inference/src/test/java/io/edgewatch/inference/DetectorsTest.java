package io.edgewatch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.testing.Frames;
import io.edgewatch.inference.opencv.CascadeOptions;
import io.edgewatch.inference.opencv.HogOptions;
import io.edgewatch.inference.opencv.MotionOptions;
import io.edgewatch.inference.opencv.OpenCvDetectors;
import io.edgewatch.source.VideoSources;
import io.edgewatch.testkit.Fixtures;
import io.edgewatch.testkit.SyntheticClip;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class DetectorsTest {

    @TempDir
    static Path dir;
    static Scheduler workers;

    @BeforeAll
    static void start() {
        workers = Schedulers.newBoundedElastic(2, 64, "test-inference");
    }

    @AfterAll
    static void stop() {
        workers.dispose();
    }

    @Test
    void hogOnTheFixtureMatchesTheReferenceFigure() {
        // fixtures README: every 10th frame, 80 frames, default detectMultiScale: 250 detections
        List<InferenceResult> results = new ArrayList<>();
        try (InferenceAdapter hog = OpenCvDetectors.hog("opencv-hog-people", HogOptions.DEFAULTS, workers)) {
            StepVerifier.create(VideoSources.file("vtest", Fixtures.vtest(), false).frames()
                            .filter(f -> {
                                boolean keep = f.sequence() % 10 == 0;
                                if (!keep) {
                                    f.release();
                                }
                                return keep;
                            })
                            .take(80)
                            .concatMap(f -> hog.infer(f).doFinally(s -> f.release()), 1))
                    .recordWith(() -> results)
                    .expectNextCount(80)
                    .expectComplete()
                    .verify(Duration.ofMinutes(3));
        }
        int detections = results.stream().mapToInt(r -> r.predictions().size()).sum();
        assertThat(detections).isBetween(245, 255);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.modelType()).isEqualTo(ModelType.OBJECT_DETECTION);
            assertThat(r.inferenceId()).hasSize(36);
            assertThat(r.predictions()).allSatisfy(p -> {
                assertThat(p.className()).isEqualTo("person");
                assertThat(p.confidence()).isBetween(0.5, 1.0);
                assertThat(p.box().left()).isBetween(-64.0, 768.0);
                assertThat(p.box().width()).isPositive();
            });
        });
        assertThat(results.stream().map(InferenceResult::inferenceId).distinct().count()).isEqualTo(80);
    }

    @Test
    void motionFindsTheMovingBlockOfASyntheticClip() throws Exception {
        Path clip = dir.resolve("moving.avi");
        SyntheticClip.write(clip, 320, 240, 25, 40, SyntheticClip.Codec.MPEG4);
        List<InferenceResult> results = new ArrayList<>();
        try (InferenceAdapter motion = OpenCvDetectors.motion("opencv-motion", MotionOptions.DEFAULTS, workers)) {
            StepVerifier.create(VideoSources.file("syn", clip, false).frames()
                            .concatMap(f -> motion.infer(f).doFinally(s -> f.release()), 1))
                    .recordWith(() -> results)
                    .expectNextCount(40)
                    .verifyComplete();
        }
        // nothing during warm-up, then the block (40 px square) is found in most frames
        assertThat(results.subList(0, 5)).allSatisfy(r -> assertThat(r.predictions()).isEmpty());
        List<Prediction> found = results.subList(5, 40).stream().flatMap(r -> r.predictions().stream()).toList();
        assertThat(found.size()).isGreaterThan(25);
        assertThat(found).allSatisfy(p -> {
            assertThat(p.className()).isEqualTo("motion");
            assertThat(p.confidence()).isBetween(0.0, 1.0);
        });
        assertThat(found).anySatisfy(p -> {
            assertThat(p.box().width()).isBetween(30.0, 120.0);
            assertThat(p.confidence()).isGreaterThan(0.5);
        });
    }

    @Test
    void cascadesLoadByNameOrPathAndBadOnesFailAtCreation() {
        try (InferenceAdapter faces = OpenCvDetectors.cascade("opencv-faces",
                new CascadeOptions("haarcascade_frontalface_default.xml", "face", 1.1, 3, 0), workers)) {
            VideoFrame frame = Frames.black(0);
            StepVerifier.create(faces.infer(frame))
                    .assertNext(r -> assertThat(r.predictions()).isEmpty())
                    .verifyComplete();
            frame.release();
        }
        assertThatThrownBy(() -> OpenCvDetectors.cascade("x", new CascadeOptions("haarcascade_nothing.xml", "x", 1.1, 3, 0), workers))
                .hasMessageContaining("haarcascade_nothing.xml");
        assertThatThrownBy(() -> OpenCvDetectors.cascade("x", new CascadeOptions("/no/such/cascade.xml", "x", 1.1, 3, 0), workers))
                .hasMessageContaining("/no/such/cascade.xml");
    }

    @Test
    void cancellingAnInferenceNeverFreesPixelsUnderARunningDetector() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean readAfterCancel = new AtomicBoolean();
        InferenceAdapter slow = Detectors.blocking("slow", ModelType.OBJECT_DETECTION, () -> new BlockingDetector() {
            @Override
            public List<Prediction> detect(Mat bgr) {
                inside.countDown();
                // cancelling interrupts the worker; native code would not notice, so neither does this
                boolean interrupted = false;
                while (proceed.getCount() > 0) {
                    try {
                        proceed.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                readAfterCancel.set(!bgr.isNull() && bgr.cols() == 64);
                return List.of();
            }

            @Override
            public void close() {
            }
        }, workers);
        VideoFrame frame = Frames.black(0);
        var subscription = slow.infer(frame).doFinally(s -> frame.release()).subscribe();
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        subscription.dispose();
        // the pipeline let go of its reference, the detector still holds one
        assertThat(frame.isReleased()).isFalse();
        proceed.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!frame.isReleased() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(readAfterCancel).isTrue();
        assertThat(frame.isReleased()).isTrue();
        slow.close();
    }

    @Test
    void perThreadDetectorsRunInParallelEachOnItsOwnInstance() {
        Set<Object> instances = ConcurrentHashMap.newKeySet();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch both = new CountDownLatch(2);
        InferenceAdapter adapter = Detectors.blocking("p", ModelType.OBJECT_DETECTION, () -> new BlockingDetector() {
            @Override
            public List<Prediction> detect(Mat bgr) {
                instances.add(this);
                threads.add(Thread.currentThread().getName());
                both.countDown();
                try {
                    // two frames must be inside detect() at once for this to return early
                    both.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return List.of();
            }

            @Override
            public void close() {
            }
        }, workers);
        List<VideoFrame> frames = List.of(Frames.black(0), Frames.black(1));
        StepVerifier.create(Flux.fromIterable(frames).flatMap(adapter::infer, 2))
                .expectNextCount(2)
                .verifyComplete();
        assertThat(both.getCount()).isZero();
        assertThat(instances).hasSize(2);
        assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("test-inference"));
        frames.forEach(VideoFrame::release);
        adapter.close();
    }
}
