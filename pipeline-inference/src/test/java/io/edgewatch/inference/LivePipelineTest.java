package io.edgewatch.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.source.VideoSources;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A live source (FFmpeg's test pattern at 25 fps) with a detector much slower than the camera
 * (200 ms a frame): nothing queues, the frames inference never saw are counted as dropped, and the
 * capture-to-result latency stays near one inference (printed, not asserted: timings are measured,
 * not asserted, in tests).
 */
class LivePipelineTest {

    @Test
    void aSlowDetectorOnALiveCameraGetsTheNewestFrameAndTheRestAreCountedAsDropped() {
        Scheduler workers = Schedulers.newBoundedElastic(2, 100, "live-test");
        try (InferenceAdapter slow = Detectors.blocking("slow/1", ModelType.OBJECT_DETECTION, () -> new BlockingDetector() {
            @Override
            public List<Prediction> detect(Mat bgr) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return List.of();
            }

            @Override
            public void close() {
            }
        }, workers)) {
            PipelineOptions options = new PipelineOptions(WindowOptions.of("live", "slow/1", ModelType.OBJECT_DETECTION,
                    Duration.ofSeconds(1)), 0, 1, Duration.ofSeconds(5));
            CameraPipeline pipeline = new CameraPipeline(options, VideoSources.testPattern("live", "testsrc2", 160, 120, 25),
                    slow, List.of());
            List<WindowReport> reports = pipeline.reports(Mono.delay(Duration.ofSeconds(4)))
                    .collectList().block(Duration.ofSeconds(30));

            long seen = reports.stream().mapToLong(WindowReport::framesSeen).sum();
            long inferred = reports.stream().mapToLong(WindowReport::framesInferred).sum();
            long busy = reports.stream().mapToLong(r -> r.droppedByReason().getOrDefault("inference_busy", 0L)).sum();
            assertThat(seen).isEqualTo(inferred + busy);
            // a 200 ms detector sees at most ~5 of the camera's 25 frames a second; the rest are dropped, not queued
            assertThat(inferred).isBetween(5L, 25L);
            assertThat(busy).isGreaterThan(2 * inferred);
            reports.forEach(r -> System.out.printf("window %s..%s: seen %d inferred %d dropped %d, end-to-end p50 %.0f ms p99 %.0f ms%n",
                    r.windowStart(), r.windowEnd(), r.framesSeen(), r.framesInferred(), r.framesDropped(),
                    r.endToEndLatency().p50Millis(), r.endToEndLatency().p99Millis()));
        } finally {
            workers.dispose();
        }
    }
}
