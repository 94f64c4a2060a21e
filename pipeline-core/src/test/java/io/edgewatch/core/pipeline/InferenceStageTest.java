package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

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
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

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
}
