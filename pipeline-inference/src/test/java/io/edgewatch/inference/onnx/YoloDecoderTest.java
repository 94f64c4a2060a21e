package io.edgewatch.inference.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.FloatBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.inference.Box;
import io.edgewatch.inference.onnx.YoloDecoder.Candidate;

/** The output decoders, NMS and the letterbox on known tensors with known boxes. */
class YoloDecoderTest {

    @Test
    void yolov8ColumnsAreReadAsBoxAndClassScoresWithTheBestClassAsConfidence() {
        // [1, 4+2, 3]: three candidates, two classes; row-major, so element (row, i) is at row * 3 + i
        FloatBuffer out = FloatBuffer.wrap(new float[] {
                10, 50, 90,    // cx
                20, 60, 100,   // cy
                4, 8, 12,      // w
                6, 10, 14,     // h
                0.9f, 0.1f, 0.3f, // class 0
                0.2f, 0.7f, 0.4f  // class 1
        });

        List<Candidate> found = YoloDecoder.yolov8(out, 2, 3, 0.5f);

        assertThat(found).containsExactly(new Candidate(10, 20, 4, 6, 0.9f, 0), new Candidate(50, 60, 8, 10, 0.7f, 1));
    }

    @Test
    void yolov5RowsMultiplyObjectnessByTheBestClassScore() {
        // [1, 3, 5+2]
        FloatBuffer out = FloatBuffer.wrap(new float[] {
                10, 20, 4, 6, 0.9f, 0.8f, 0.1f,  // 0.72, class 0
                50, 60, 8, 10, 0.3f, 0.1f, 1.0f, // objectness under the threshold
                90, 100, 12, 14, 0.8f, 0.2f, 0.5f // 0.40, class 1: under 0.5
        });

        List<Candidate> found = YoloDecoder.yolov5(out, 2, 3, 0.5f);

        assertThat(found).singleElement().satisfies(c -> {
            assertThat(c.classIndex()).isZero();
            assertThat(c.confidence()).isCloseTo(0.72f, within(1e-6f));
            assertThat(c.cx()).isEqualTo(10);
            assertThat(c.h()).isEqualTo(6);
        });
    }

    @Test
    void nmsSuppressesOverlapsWithinAClassOnlyMostConfidentFirstAndTiesKeepTheEarlier() {
        Candidate a = new Candidate(50, 50, 20, 20, 0.8f, 0);
        Candidate b = new Candidate(52, 50, 20, 20, 0.9f, 0);  // IoU with a = 18*20 / (800 - 360) = 0.82
        Candidate c = new Candidate(52, 50, 20, 20, 0.6f, 1);  // same place, other class: kept
        Candidate d = new Candidate(150, 50, 20, 20, 0.7f, 0); // far away: kept
        Candidate e1 = new Candidate(300, 300, 10, 10, 0.5f, 2);
        Candidate e2 = new Candidate(301, 300, 10, 10, 0.5f, 2); // a tie with e1: e1 came first

        List<Candidate> kept = YoloDecoder.nms(List.of(a, b, c, d, e1, e2), 0.45f, 100);

        assertThat(kept).containsExactly(b, d, c, e1);
        assertThat(YoloDecoder.nms(List.of(a, b, c, d, e1, e2), 0.45f, 2)).containsExactly(b, d);
        assertThat(YoloDecoder.nms(List.of(a, b), 0.9f, 100)).containsExactly(b, a);
        assertThat(b.iou(a)).isCloseTo(360f / 440f, within(1e-6f));
    }

    @Test
    void theLetterboxKeepsTheAspectCentresThePaddingAndMapsBoxesBackClippedToTheFrame() {
        OnnxModel.Letterbox lb = OnnxModel.Letterbox.of(1920, 1080, 640, 640);

        assertThat(lb.scale()).isEqualTo(1 / 3.0);
        assertThat(lb.width()).isEqualTo(640);
        assertThat(lb.height()).isEqualTo(360);
        assertThat(lb.left()).isZero();
        assertThat(lb.top()).isEqualTo(140);
        // a 30x60 box centred at (320, 320) in the input is a 90x180 box centred at (960, 540) in the frame
        Box centre = lb.toFrame(new Candidate(320, 320, 30, 60, 0.9f, 0), 1920, 1080);
        assertThat(centre.x()).isCloseTo(960, within(1e-6));
        assertThat(centre.y()).isCloseTo(540, within(1e-6));
        assertThat(centre.width()).isCloseTo(90, within(1e-6));
        assertThat(centre.height()).isCloseTo(180, within(1e-6));
        // one reaching into the top padding is clipped at the frame's top edge
        Box clipped = lb.toFrame(new Candidate(20, 150, 40, 40, 0.9f, 0), 1920, 1080);
        assertThat(clipped.top()).isZero();
        assertThat(clipped.height()).isCloseTo(90, within(1e-6));
        assertThat(clipped.left()).isZero();
        assertThat(clipped.width()).isCloseTo(120, within(1e-6));
    }

    @Test
    void theLayoutIsReadFromTheShapeUnlessConfiguredAndUltralyticsNamesAreParsed() {
        assertThat(OnnxModel.resolve(OnnxOptions.Layout.AUTO, 84, 8400)).isEqualTo(OnnxOptions.Layout.YOLOV8);
        assertThat(OnnxModel.resolve(OnnxOptions.Layout.AUTO, 25200, 85)).isEqualTo(OnnxOptions.Layout.YOLOV5);
        assertThat(OnnxModel.resolve(OnnxOptions.Layout.YOLOV5, 84, 8400)).isEqualTo(OnnxOptions.Layout.YOLOV5);
        assertThat(OnnxModel.parseNames("{0: 'person', 1: 'traffic light', 2: \"don't\"}"))
                .containsExactly("person", "traffic light", "don't");
        assertThat(OnnxModel.parseNames("{1: 'a', 2: 'b'}")).isEmpty();
        assertThat(OnnxModel.parseNames(null)).isEmpty();
    }
}
