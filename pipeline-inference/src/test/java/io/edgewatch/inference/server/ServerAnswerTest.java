package io.edgewatch.inference.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;

/** The server's answer shapes of {@code roboflow-api.md} §6, read into the core types. */
class ServerAnswerTest {

    private static ServerAnswer parse(String json, ModelType task) {
        return ServerAnswer.parse(json.getBytes(StandardCharsets.UTF_8), task);
    }

    @Test
    void anObjectDetectionAnswerKeepsTheBoxAsCentreAndSizeAndTheServersIdAndTime() {
        ServerAnswer a = parse("""
                {"inference_id":"6f1c","time":0.0412,"image":{"width":640,"height":480},
                 "predictions":[{"x":100.5,"y":200,"width":50,"height":80,"confidence":0.91,"class":"person","class_id":0,
                                 "detection_id":"d1"},
                                {"x":300,"y":100,"width":20,"height":10,"confidence":0.42,"class":"car","class_id":2}]}
                """, ModelType.OBJECT_DETECTION);

        assertThat(a.inferenceId()).isEqualTo("6f1c");
        assertThat(a.serverTime()).isEqualTo(Duration.ofNanos(41_200_000));
        assertThat(a.predictions()).containsExactly(
                Prediction.detection("person", 0.91, new Box(100.5, 200, 50, 80)),
                Prediction.detection("car", 0.42, new Box(300, 100, 20, 10)));
    }

    @Test
    void segmentationAndKeypointAnswersAreReadForTheirBoxesAndTheExtraFieldsIgnored() {
        ServerAnswer seg = parse("""
                {"predictions":[{"x":10,"y":20,"width":4,"height":6,"confidence":0.7,"class":"crack",
                                 "points":[{"x":8,"y":17},{"x":12,"y":23}]}]}
                """, ModelType.INSTANCE_SEGMENTATION);
        ServerAnswer kp = parse("""
                {"predictions":[{"x":10,"y":20,"width":4,"height":6,"confidence":0.6,"class":"person",
                                 "keypoints":[{"x":9,"y":18,"confidence":0.9,"class":"nose"}]}]}
                """, ModelType.KEYPOINT_DETECTION);

        assertThat(seg.inferenceId()).isNull();
        assertThat(seg.serverTime()).isEqualTo(Duration.ZERO);
        assertThat(seg.predictions()).containsExactly(Prediction.detection("crack", 0.7, new Box(10, 20, 4, 6)));
        assertThat(kp.predictions()).containsExactly(Prediction.detection("person", 0.6, new Box(10, 20, 4, 6)));
    }

    @Test
    void aSingleLabelClassificationIsAListAndAMultiLabelOneAMapBothInTheServersOrder() {
        ServerAnswer single = parse("""
                {"inference_id":"c1","time":0.01,"top":"ok",
                 "predictions":[{"class":"ok","class_id":0,"confidence":0.8},{"class":"defect","class_id":1,"confidence":0.2}]}
                """, ModelType.CLASSIFICATION);
        ServerAnswer multi = parse("""
                {"predictions":{"scratch":{"confidence":0.9,"class_id":3},"dent":{"confidence":0.3,"class_id":1}},
                 "predicted_classes":["scratch"]}
                """, ModelType.CLASSIFICATION);

        assertThat(single.predictions()).containsExactly(Prediction.of("ok", 0.8), Prediction.of("defect", 0.2));
        assertThat(multi.predictions()).containsExactly(Prediction.of("scratch", 0.9), Prediction.of("dent", 0.3));
    }

    @Test
    void anythingElseIsMalformedAndTheMessageSaysWhatWasMissing() {
        assertMalformed("<html>502 Bad Gateway</html>", ModelType.OBJECT_DETECTION, "not JSON");
        assertMalformed("[1,2]", ModelType.OBJECT_DETECTION, "not a JSON object");
        assertMalformed("{\"inference_id\":\"x\"}", ModelType.OBJECT_DETECTION, "no predictions");
        assertMalformed("{\"predictions\":{\"a\":1}}", ModelType.OBJECT_DETECTION, "not a list");
        assertMalformed("{\"predictions\":[{\"x\":1,\"y\":2,\"width\":3,\"confidence\":0.5,\"class\":\"a\"}]}",
                ModelType.OBJECT_DETECTION, "no number 'height'");
        assertMalformed("{\"predictions\":[{\"x\":1,\"y\":2,\"width\":3,\"height\":4,\"confidence\":0.5}]}",
                ModelType.OBJECT_DETECTION, "no text 'class'");
        assertMalformed("{\"predictions\":[],\"time\":\"soon\"}", ModelType.OBJECT_DETECTION, "time is not a number");
        assertMalformed("{\"predictions\":7}", ModelType.CLASSIFICATION, "neither a list nor a map");
    }

    private static void assertMalformed(String json, ModelType task, String why) {
        assertThatThrownBy(() -> parse(json, task))
                .isInstanceOfSatisfying(InferenceException.class, e -> assertThat(e.kind()).isEqualTo(InferenceException.Kind.MALFORMED))
                .hasMessageContaining(why);
    }
}
