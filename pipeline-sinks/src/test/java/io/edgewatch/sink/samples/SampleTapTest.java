package io.edgewatch.sink.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.sample.CameraSignals;
import io.edgewatch.core.sample.SampleLimits;
import io.edgewatch.core.sample.SampleRule;
import io.edgewatch.core.sample.SampleStrategy;
import io.edgewatch.core.sample.Sampler;
import io.edgewatch.core.testing.MovingClock;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

class SampleTapTest {

    @TempDir
    Path dir;
    final Scheduler encoder = Schedulers.newBoundedElastic(1, 16, "test-samples");
    final MovingClock clock = new MovingClock(Instant.parse("2026-12-02T10:00:00Z"));

    @AfterEach
    void stop() {
        encoder.dispose();
    }

    /** A 320x240 frame, blue-ish left half and red-ish right half: known content to find in the JPEG. */
    private static VideoFrame frame(long seq) {
        Mat m = new Mat(240, 320, opencv_core.CV_8UC3, new Scalar(200, 40, 40, 0));
        try (Mat right = m.colRange(160, 320); Scalar red = new Scalar(40, 40, 200, 0)) {
            right.put(red);
        }
        return new VideoFrame("cam-1", seq, System.nanoTime(), Instant.parse("2026-12-02T10:00:00Z").plusMillis(seq * 40),
                seq * 40_000, m);
    }

    private static InferenceResult result(long seq, Prediction... ps) {
        return new InferenceResult("inf-" + seq, "cam-1", seq, "ppe/3", ModelType.OBJECT_DETECTION, List.of(ps), 0,
                Instant.parse("2026-12-02T10:00:00Z").plusMillis(seq * 40), Duration.ofMillis(5), Duration.ofMillis(5), 0);
    }

    @Test
    void aChosenFrameIsEncodedSmallerWithItsBoxesScaledAndEveryFrameIsReleased() throws Exception {
        Sampler sampler = new Sampler(List.of(new SampleStrategy("people", new SampleRule.Classes(Set.of("person")), 1.0,
                List.of("p"), new SampleLimits(2, 100, 100))), SampleLimits.NONE, CameraSignals.NONE, clock, new SplittableRandom(1));
        List<Sample> got = new CopyOnWriteArrayList<>();
        List<byte[]> images = new CopyOnWriteArrayList<>();
        SampleTap tap = new SampleTap("cam-1", sampler, new SampleImage(90, 160, 160), encoder, List.of((s, jpeg) -> {
            got.add(s);
            images.add(jpeg);
        }));
        List<VideoFrame> frames = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 6; i++) {
            VideoFrame f = frame(i);
            frames.add(f);
            // frames 0, 2, 4 show a person; the minute's credit is 2
            InferenceResult r = i % 2 == 0 ? result(i, Prediction.detection("person", 0.8, new Box(240, 120, 40, 100)))
                    : result(i, Prediction.detection("car", 0.8, new Box(80, 120, 40, 20)));
            tap.inferred(f, r);
            f.release();
            if (i % 2 == 1) {
                // not chosen: never retained, so the pipeline's release was the last
                assertThat(f.isReleased()).isTrue();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((got.size() < 2 || frames.stream().anyMatch(f -> !f.isReleased())) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(frames).allMatch(VideoFrame::isReleased);
        assertThat(got).extracting(Sample::id).containsExactly(Sample.id(frames.get(0).capturedAt(), 0),
                Sample.id(frames.get(2).capturedAt(), 2));
        Sample s = got.get(0);
        assertThat(s.width()).isEqualTo(160);
        assertThat(s.height()).isEqualTo(120);
        assertThat(s.strategy()).isEqualTo("people");
        assertThat(s.tags()).containsExactly("p");
        assertThat(s.predictions().get(0).box()).isEqualTo(new Box(120, 60, 20, 50));
        try (Mat decoded = opencv_imgcodecs.imdecode(new Mat(new BytePointer(images.get(0))), opencv_imgcodecs.IMREAD_COLOR)) {
            assertThat(decoded.cols()).isEqualTo(160);
            assertThat(decoded.rows()).isEqualTo(120);
            // the right half is red (BGR), the left blue: the frame itself was encoded
            assertThat(decoded.ptr(60, 120).get(2) & 0xff).isGreaterThan(150);
            assertThat(decoded.ptr(60, 20).get(0) & 0xff).isGreaterThan(150);
        }
        assertThat(tap.counts()).containsExactly(2, 0);
    }

    @Test
    void whenTheEncoderIsBehindASampleIsDroppedItsCreditReturnedAndItsFrameReleased() throws Exception {
        Sampler sampler = new Sampler(List.of(new SampleStrategy("all", new SampleRule.Random(), 1.0, List.of(), SampleLimits.NONE)),
                SampleLimits.NONE, CameraSignals.NONE, clock, new SplittableRandom(1));
        Scheduler tiny = Schedulers.newBoundedElastic(1, 1, "test-tiny");
        Object gate = new Object();
        try {
            SampleTap tap = new SampleTap("cam-1", sampler, SampleImage.DEFAULTS, tiny, List.of((s, jpeg) -> {
                synchronized (gate) {
                    // held until the test has offered more than the queue takes
                }
            }));
            List<VideoFrame> frames = new CopyOnWriteArrayList<>();
            synchronized (gate) {
                for (int i = 0; i < 5; i++) {
                    VideoFrame f = frame(i);
                    frames.add(f);
                    tap.inferred(f, result(i));
                    f.release();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (frames.stream().anyMatch(f -> !f.isReleased()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(frames).allMatch(VideoFrame::isReleased);
            long[] counts = tap.counts();
            assertThat(counts[1]).isPositive();
            assertThat(counts[0] + counts[1]).isEqualTo(5);
            assertThat(sampler.used("all")[0]).isEqualTo((int) counts[0]);
        } finally {
            tiny.dispose();
        }
    }
}
