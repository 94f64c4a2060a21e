package io.edgewatch.inference.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.testkit.SyntheticModels;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The real ONNX Runtime path (load, letterbox, RGB floats, run, decode, NMS, back to frame
 * pixels) on {@link SyntheticModels#colourDetector}, whose answer for a frame can be worked out by hand.
 *
 * <p>The frame is 256x192 black with a red square at x 64..127, y 32..95 and a blue bar at x
 * 192..255, y 128..159. Letterboxed to 128x128 it is halved and lands 16 pixels down, so red
 * covers cells (row 2..3, col 2..3) and blue cells (5, 6..7). The model's 32x32 boxes of
 * neighbouring cells overlap by IoU 1/3: with a 0.3 threshold NMS keeps red (2,2) and (3,3),
 * diagonal, and blue (5,6). Back in the frame a cell (r, c) is a 64x64 box centred at
 * (32c + 16, 32r - 16).
 */
class OnnxModelTest {

    @TempDir
    Path dir;

    private final Scheduler workers = Schedulers.newBoundedElastic(2, 64, "onnx-test");

    @AfterEach
    void stop() {
        workers.dispose();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static VideoFrame frame(long seq) {
        Mat m = new Mat(192, 256, opencv_core.CV_8UC3, new Scalar(0, 0, 0, 0));
        opencv_imgproc.rectangle(m, new Point(64, 32), new Point(127, 95), new Scalar(0, 0, 255, 0), opencv_imgproc.FILLED, 8, 0);
        opencv_imgproc.rectangle(m, new Point(192, 128), new Point(255, 159), new Scalar(255, 0, 0, 0), opencv_imgproc.FILLED, 8, 0);
        return new VideoFrame("cam-1", seq, System.nanoTime(), Instant.now(), seq * 40_000, m);
    }

    private static OnnxOptions options(Path model, List<String> names, OnnxOptions.Layout layout) {
        return new OnnxOptions(model, names, 0, 0.5, 0.3, 100, layout, OnnxOptions.DEFAULT_PROVIDERS);
    }

    private static List<Prediction> infer(InferenceAdapter adapter) {
        VideoFrame f = frame(1);
        try {
            InferenceResult r = adapter.infer(f).block(Duration.ofSeconds(30));
            assertThat(r.modelType()).isEqualTo(ModelType.OBJECT_DETECTION);
            return r.predictions();
        } finally {
            f.release();
        }
    }

    private static void assertTheHandWorkedAnswer(List<Prediction> predictions) {
        assertThat(predictions).extracting(Prediction::className).containsExactly("red", "red", "blue");
        assertBox(predictions.get(0), 80, 48);
        assertBox(predictions.get(1), 112, 80);
        assertBox(predictions.get(2), 208, 144);
        assertThat(predictions).allSatisfy(p -> assertThat(p.confidence()).isCloseTo(1.0, within(1e-6)));
    }

    private static void assertBox(Prediction p, double x, double y) {
        assertThat(p.box().x()).as("x of %s", p).isCloseTo(x, within(1e-3));
        assertThat(p.box().y()).as("y of %s", p).isCloseTo(y, within(1e-3));
        assertThat(p.box().width()).as("width of %s", p).isCloseTo(64, within(1e-3));
        assertThat(p.box().height()).as("height of %s", p).isCloseTo(64, within(1e-3));
    }

    @Test
    void aYolov8LayoutModelFindsTheColouredAreasWhereTheyAreInTheFrame() throws IOException {
        Path file = write("v8.onnx", SyntheticModels.colourDetector(false, null));
        try (OnnxModel model = OnnxModel.load(file, OnnxOptions.Provider.CPU, 1, 0);
             InferenceAdapter adapter = model.adapter("tiny/8", options(file, List.of("red", "green", "blue"),
                     OnnxOptions.Layout.AUTO), workers)) {
            assertThat(model.inputWidth()).isEqualTo(128);
            assertThat(model.metadataNames()).isEmpty();
            assertTheHandWorkedAnswer(infer(adapter));
        }
    }

    @Test
    void aYolov5LayoutModelWithItsNamesInTheMetadataGivesTheSameAnswer() throws IOException {
        Path file = write("v5.onnx", SyntheticModels.colourDetector(true, "{0: 'red', 1: 'green', 2: 'blue'}"));
        try (OnnxModel model = OnnxModel.load(file, OnnxOptions.Provider.CPU, 1, 0);
             InferenceAdapter adapter = model.adapter("tiny/5", options(file, List.of(), OnnxOptions.Layout.AUTO), workers)) {
            assertThat(model.metadataNames()).containsExactly("red", "green", "blue");
            assertTheHandWorkedAnswer(infer(adapter));
        }
    }

    @Test
    void oneSessionServesManyFramesAtOnceFromEveryWorkerAndCameraWithTheSameAnswer() throws IOException {
        Path file = write("v8.onnx", SyntheticModels.colourDetector(false, null));
        try (OnnxModel model = OnnxModel.load(file, OnnxOptions.Provider.CPU, 1, 0);
             InferenceAdapter a = model.adapter("tiny/8", options(file, List.of("red", "green", "blue"), OnnxOptions.Layout.AUTO), workers);
             InferenceAdapter b = model.adapter("tiny/8", options(file, List.of("r", "g", "b"), OnnxOptions.Layout.YOLOV8), workers)) {
            List<VideoFrame> frames = Flux.range(0, 16).map(i -> frame(i)).collectList().block();
            List<InferenceResult> results = Flux.fromIterable(frames)
                    .flatMap(f -> (f.sequence() % 2 == 0 ? a : b).infer(f), 8)
                    .collectList().block(Duration.ofSeconds(60));
            frames.forEach(VideoFrame::release);

            assertThat(results).hasSize(16).allSatisfy(r -> assertThat(r.predictions()).hasSize(3));
            assertThat(results).filteredOn(r -> r.frameSequence() % 2 == 1)
                    .allSatisfy(r -> assertThat(r.predictions()).extracting(Prediction::className).containsExactly("r", "r", "b"));
        }
    }

    @Test
    void aWrongLayoutOrClassCountIsRefusedWithAMessageThatNamesTheModel() throws IOException {
        Path file = write("v8.onnx", SyntheticModels.colourDetector(false, null));
        try (OnnxModel model = OnnxModel.load(file, OnnxOptions.Provider.CPU, 1, 0)) {
            assertThatThrownBy(() -> model.adapter("tiny/8", options(file, List.of("person"), OnnxOptions.Layout.AUTO), workers))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("outputs 3 classes but class_names lists 1");
        }
        assertThatThrownBy(() -> OnnxModel.load(file, OnnxOptions.Provider.CPU, 1, 640))
                .hasMessageContaining("takes an input height of 128, but input_size is 640");
    }

    @Test
    void aMissingOrBrokenModelFileIsAClearError() throws IOException {
        assertThatThrownBy(() -> OnnxModel.load(dir.resolve("nope.onnx"), OnnxOptions.Provider.CPU, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.onnx does not exist");
        Path broken = write("broken.onnx", new byte[] {1, 2, 3, 4, 5});
        assertThatThrownBy(() -> OnnxModel.load(broken, OnnxOptions.Provider.CPU, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broken.onnx cannot be loaded");
    }

    @Test
    void theProvidersAreTriedInTurnOnTheCpuBuildTensorrtAndCudaFallBackWithAWarningEachAndTheCpuRunsIt() throws IOException {
        Path file = write("v8.onnx", SyntheticModels.colourDetector(false, null));
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        Logger logger = (Logger) LoggerFactory.getLogger(OnnxModel.class);
        logger.addAppender(lines);
        try (OnnxModel model = OnnxModel.load(file, List.of(OnnxOptions.Provider.TENSORRT, OnnxOptions.Provider.CUDA,
                     OnnxOptions.Provider.CPU), 1, 0, dir.resolve("engines"));
             InferenceAdapter adapter = model.adapter("tiny/8", options(file, List.of("red", "green", "blue"),
                     OnnxOptions.Layout.AUTO), workers)) {
            assertThat(model.provider()).isEqualTo(OnnxOptions.Provider.CPU);
            assertThat(adapter.executionProvider()).isEqualTo("cpu");
            assertTheHandWorkedAnswer(infer(adapter));
        } finally {
            logger.detachAppender(lines);
        }
        List<String> warnings = lines.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("the tensorrt execution provider is not available here", "trying cuda");
        assertThat(warnings.get(1)).contains("the cuda execution provider is not available here", "trying cpu");
        assertThat(lines.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("on the cpu execution provider"));
    }

    @Test
    void aGpuOnlyListOnTheCpuBuildIsAnErrorNamingEachProviderAndWhy() throws IOException {
        Path file = write("v8.onnx", SyntheticModels.colourDetector(false, null));
        assertThatThrownBy(() -> OnnxModel.load(file, List.of(OnnxOptions.Provider.CUDA), 1, 0, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none of the execution providers [cuda] is available here")
                .hasMessageContaining("cuda (").hasMessageContaining("add cpu to the list");
    }
}
