package io.edgewatch.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.testing.Results;

/** The last inferred frame is held by one reference of its own, given back when the next comes, when cleared, and after a reader. */
class LastFrameTest {

    private static VideoFrame frame(long seq) {
        return new VideoFrame("cam", seq, 0, Instant.EPOCH, seq, new Mat(4, 6, opencv_core.CV_8UC3));
    }

    private static InferenceResult result(long seq) {
        return Results.inferred("cam", "m/1", seq, "id" + seq, Results.det("person", 0.8)).result();
    }

    @Test
    void keepsOneReferenceToTheNewestFrameAndGivesEveryOtherBack() {
        LastFrame last = LastFrame.keeping();
        VideoFrame a = frame(1);
        VideoFrame b = frame(2);
        last.keep(a, result(1));
        a.release(); // the pipeline's own reference
        assertThat(a.isReleased()).as("kept").isFalse();
        last.keep(b, result(2));
        b.release();
        assertThat(a.isReleased()).as("replaced: given back").isTrue();
        assertThat(last.read((f, r) -> f.width() + "x" + f.height() + " #" + r.frameSequence())).contains("6x4 #2");
        assertThat(b.isReleased()).as("a reader gives its reference back").isFalse();
        last.clear();
        assertThat(b.isReleased()).isTrue();
        assertThat(last.read((f, r) -> "nothing")).isEmpty();
    }

    @Test
    void offKeepsNothingAndAReleasedFrameIsNeverKept() {
        LastFrame off = LastFrame.off();
        VideoFrame a = frame(1);
        off.keep(a, result(1));
        a.release();
        assertThat(a.isReleased()).isTrue();
        assertThat(off.read((f, r) -> "x")).isEmpty();
        LastFrame on = LastFrame.keeping();
        on.keep(a, result(1));
        assertThat(on.read((f, r) -> "x")).as("already freed: not kept").isEmpty();
    }
}
