package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.core.sample.SampleLimits;
import io.edgewatch.core.sample.SampleRule;
import io.edgewatch.core.sample.SampleStrategy;
import io.edgewatch.inference.onnx.OnnxOptions;
import io.edgewatch.inference.server.InferenceServerOptions;
import io.edgewatch.source.Decoder;
import io.edgewatch.source.Reconnect;
import io.edgewatch.sink.roboflow.DatasetOptions;
import io.edgewatch.sink.roboflow.VisionEventsSink.CameraEvents;
import io.edgewatch.sink.samples.SampleImage;
import io.edgewatch.source.Resolution;
import io.edgewatch.source.Tls;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private void write(String name, String yaml) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
    }

    private List<ConfigError> errors(Map<String, String> env) {
        return catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(env).read(dir)).errors();
    }

    private static final String MAIN = "sinks:\n  jsonl:\n    path: out/r.jsonl\n";

    @Test
    void theShippedConfigurationIsValidAndRunsOneTestPatternCamera() throws Exception {
        EdgewatchConfig c = new ConfigLoader(Map.of()).read(Path.of("..", "config"));
        assertThat(c.deviceId()).isEqualTo("edge-demo");
        assertThat(c.cameras()).extracting(CameraConfig::id).containsExactly("demo-pattern", "dock-3", "gate-2", "line2-usb",
                "lobby-file", "yard-1");
        assertThat(c.enabledCameras()).singleElement().satisfies(cam -> {
            assertThat(cam.source()).isEqualTo(new SourceConfig.TestPattern("testsrc2", 640, 480, 25, 0, Reconnect.DEFAULTS,
                    Resolution.DEFAULT_MAX, Decoder.DEFAULT));
            assertThat(cam.inference().type()).isEqualTo("motion");
            assertThat(cam.inference().maxInFlight()).isEqualTo(1);
            assertThat(cam.frequency()).isEqualTo(Duration.ofSeconds(5));
            assertThat(cam.metadata()).containsExactly(Map.entry("camera_id", "demo-pattern"), Map.entry("site", "lab"),
                    Map.entry("line", "1"));
        });
        assertThat(c.roboflow()).isNull();
        assertThat(c.enabledCameras().get(0).sinks()).containsExactly("jsonl");
        EdgewatchConfig withKey = new ConfigLoader(Map.of("ROBOFLOW_API_KEY", "rf_abcdefgh")).read(Path.of("..", "config"));
        assertThat(withKey.roboflow().apiKey().reveal()).isEqualTo("rf_abcdefgh");
        assertThat(withKey.roboflow().apiKey().toString()).isEqualTo("***");
        assertThat(withKey.roboflow().apiUrl()).isEqualTo("https://api.roboflow.com");
        assertThat(withKey.roboflow().toString()).doesNotContain("rf_abcdefgh");
        assertThat(withKey.enabledCameras().get(0).sinks()).containsExactly("jsonl", "roboflow");
        CameraConfig dock = c.cameras().get(1);
        assertThat(((SourceConfig.Rtsp) dock.source()).url()).isEqualTo("rtsp://viewer:@192.0.2.10:554/stream1");
        assertThat(dock.inference().modelId()).isEqualTo("opencv-cascade-haarcascade_fullbody");
        assertThat(((SourceConfig.Live) dock.source()).reconnect()).isEqualTo(Reconnect.DEFAULTS);
        CameraConfig yard = withKey.cameras().get(5);
        assertThat(((ServerDetector) yard.inference()).options().apiKey().reveal()).isEqualTo("rf_abcdefgh");
        assertThat(((ServerDetector) yard.inference()).options().url()).isEqualTo("http://127.0.0.1:9001");
        assertThat(yard.inference().toString()).doesNotContain("rf_abcdefgh");
        assertThat(((OnnxDetector) c.cameras().get(2).inference()).options().model()).isEqualTo(Path.of("models/yolo11n.onnx"));
    }

    @Test
    void theInferenceServerAndOnnxSectionsAreReadWithTheirDefaults() throws Exception {
        write("edgewatch.yaml", MAIN + "inference:\n  server_max_in_flight: 8\n");
        Path model = Files.write(dir.resolve("m.onnx"), new byte[] {0});
        Files.writeString(dir.resolve("names.txt"), "# coco\nperson\n\nbicycle\n");
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference:
                  type: roboflow
                  api_key: ${KEY}
                  model_id: parts/2
                  task: classification
                """);
        write("cameras/b.yaml", """
                id: b
                source: {type: test_pattern}
                inference:
                  type: onnx
                  model: %s
                  class_names_file: %s
                  layout: yolov5
                  execution_provider: cuda
                """.formatted(model, dir.resolve("names.txt")));
        EdgewatchConfig c = new ConfigLoader(Map.of("KEY", "rf_secret_value")).read(dir);

        assertThat(c.inference().serverMaxInFlight()).isEqualTo(8);
        InferenceConfig a = c.cameras().get(0).inference();
        assertThat(a.modelId()).isEqualTo("parts/2");
        assertThat(a.maxInFlight()).isEqualTo(4);
        assertThat(((ServerDetector) a).options()).isEqualTo(new InferenceServerOptions("http://127.0.0.1:9001",
                Secret.of("rf_secret_value"), "parts/2", ModelType.CLASSIFICATION, 0.4, 0.3, 300, List.of(),
                85, true, false));
        InferenceConfig b = c.cameras().get(1).inference();
        assertThat(b.modelId()).isEqualTo("m");
        assertThat(((OnnxDetector) b).options().classNames()).containsExactly("person", "bicycle");
        assertThat(((OnnxDetector) b).options().layout()).isEqualTo(OnnxOptions.Layout.YOLOV5);
        // the earlier key: cuda fell back to the CPU, as the list says now
        assertThat(((OnnxDetector) b).options().providers()).containsExactly(OnnxOptions.Provider.CUDA, OnnxOptions.Provider.CPU);
        assertThat(((OnnxDetector) b).options().confidence()).isEqualTo(0.25);
    }

    @Test
    void samplesAreReadWithTheirStrategiesInOrder() throws Exception {
        write("edgewatch.yaml", MAIN + "roboflow:\n  api_key: k\n");
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference: {type: motion}
                samples:
                  strategies:
                    - {name: unsure, type: close_to_threshold, threshold: 0.5, epsilon: 0.1, classes: [helmet], minimum: 2}
                    - {name: crowd, type: detections_number, more_than: 3, less_than: 9, tags: [crowd]}
                    - {name: forklift, type: classes, classes: [forklift], probability: 0.5, limits: {minute: 1, day: 5}}
                    - {name: drift, type: while_alert}
                    - {name: new, type: unseen_class}
                    - {name: some, type: random, probability: 0.01}
                  limits: {hour: 20}
                  jpeg_quality: 80
                  roboflow: {project: hard-hats, batch_recreation: weekly, tags: [line-3]}
                """);
        SamplesConfig s = new ConfigLoader(Map.of()).read(dir).cameras().get(0).samples();
        assertThat(s.strategies()).extracting(SampleStrategy::name).containsExactly("unsure", "crowd", "forklift", "drift", "new", "some");
        assertThat(s.strategies().get(0).rule()).isEqualTo(new SampleRule.CloseToThreshold(0.5, 0.1, Set.of("helmet"), 2));
        assertThat(s.strategies().get(1).rule()).isEqualTo(new SampleRule.DetectionsNumber(3, 9, Set.of()));
        assertThat(s.strategies().get(1).tags()).containsExactly("crowd");
        assertThat(s.strategies().get(2).limits()).isEqualTo(new SampleLimits(1, SampleLimits.UNBOUNDED, 5));
        assertThat(s.strategies().get(2).probability()).isEqualTo(0.5);
        assertThat(s.limits()).isEqualTo(new SampleLimits(10, 20, 1000));
        assertThat(s.image()).isEqualTo(new SampleImage(80, 1920, 1080));
        assertThat(s.project()).isEqualTo("hard-hats");
        assertThat(s.recreation()).isEqualTo(DatasetOptions.Recreation.WEEKLY);
        assertThat(s.tags()).containsExactly("line-3");
    }

    @Test
    void badSamplesAreRefusedWithFileLineAndColumn() throws Exception {
        write("edgewatch.yaml", MAIN);
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference: {type: motion}
                samples:
                  strategies:
                    - name: unsure
                      type: close_to_threshold
                      threshold: 1.5
                      epsilon: 0.1
                    - name: unsure
                      type: smart
                    - name: few
                      type: detections_number
                      more_than: 4
                      less_than: 5
                      threshold: 0.3
                    - name: tagged
                      type: random
                      tags: ["has space"]
                  roboflow:
                    project: hard-hats
                """);
        List<String> messages = errors(Map.of()).stream().map(ConfigError::toString).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:8:18: samples.strategies[].threshold: must be between 0 and 1"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:11:13: samples.strategies[].type: unknown strategy type"
                + " 'smart'; types: random, close_to_threshold, detections_number, classes, while_alert, unseen_class"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:10:13: samples.strategies[].name: strategy name 'unsure'"
                + " is used twice"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:15:18: samples.strategies[].less_than: no count is more"
                + " than 4 and less than 5"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:16:7: samples.strategies[].threshold: unknown key"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:19:13: samples.strategies[].tags: tag 'has space'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:21:14: samples.roboflow.project: samples go to a Roboflow"
                + " dataset with the key of edgewatch.yaml"));
    }

    @Test
    void visionEventsAreReadWithEachCamerasOverridesAndItsMetadata() throws Exception {
        write("edgewatch.yaml", MAIN + """
                device_id: box-7
                vision_events:
                  api_key: ve_key_0123456789
                  use_case: Dock safety
                  cooldown: 2s
                  linger: 500ms
                  alerts: false
                """);
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference: {type: motion}
                metadata: {site: Plant 7, production line: "3"}
                vision_events:
                  event_type: quality_check
                  fail_classes: [no_helmet]
                  windows: false
                """);
        write("cameras/b.yaml", """
                id: b
                source: {type: test_pattern}
                inference: {type: motion}
                sinks: [jsonl]
                """);
        EdgewatchConfig config = new ConfigLoader(Map.of()).read(dir);
        VisionEventsConfig ve = config.visionEvents();
        assertThat(ve.options().useCaseName()).isEqualTo("Dock safety");
        assertThat(ve.options().useCaseId()).isNull();
        assertThat(ve.options().apiUrl()).isEqualTo("https://api.roboflow.com");
        assertThat(ve.options().deviceId()).isEqualTo("box-7");
        assertThat(ve.options().linger()).isEqualTo(Duration.ofMillis(500));
        assertThat(ve.options().maxBatch()).isEqualTo(100);
        assertThat(ve.options().toString()).doesNotContain("ve_key_0123456789");
        CameraEvents a = config.cameras().get(0).visionEvents();
        assertThat(a.eventType()).isEqualTo("quality_check");
        assertThat(a.failClasses()).containsExactly("no_helmet");
        assertThat(a.windows()).isFalse();
        assertThat(a.samples()).isTrue();
        assertThat(a.alerts()).isFalse();
        assertThat(a.cooldown()).isEqualTo(Duration.ofSeconds(2));
        assertThat(a.metadata()).containsEntry("site", "Plant 7").containsEntry("production line", "3");
        assertThat(config.cameras().get(0).sinks()).contains("vision_events");
        // a camera that names its sinks without vision_events sends nothing there
        assertThat(config.cameras().get(1).visionEvents()).isNull();
    }

    @Test
    void visionEventsWithoutAKeyAreOffAndTheirCameraSectionsStillChecked() throws Exception {
        write("edgewatch.yaml", MAIN + "vision_events:\n  api_key: ${VE_KEY:-}\n  use_case: x\n");
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference: {type: motion}
                vision_events: {event_type: custom}
                """);
        EdgewatchConfig config = new ConfigLoader(Map.of()).read(dir);
        assertThat(config.visionEvents()).isNull();
        assertThat(config.cameras().get(0).visionEvents()).isNull();
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference: {type: motion}
                vision_events: {event_type: safety}
                """);
        assertThat(errors(Map.of())).extracting(ConfigError::toString).anySatisfy(m -> assertThat(m)
                .contains("a.yaml:4:29: vision_events.event_type: 'safety' is not one of custom, quality_check"));
    }

    @Test
    void metadataThatVisionEventsWouldRefuseIsReportedWithFileLineAndColumn() throws Exception {
        write("edgewatch.yaml", MAIN + """
                vision_events:
                  api_key: ve_key_0123456789
                  use_case_id: uc-1
                """);
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 91; i++) {
            many.append("  k").append(i).append(": v\n");
        }
        write("cameras/a.yaml", "id: a\nsource: {type: test_pattern}\ninference: {type: motion}\nmetadata:\n"
                + "  \"site/zone\": north\n  model: mine\n  note: " + "x".repeat(1001) + "\n"
                + "vision_events: {fail_classes: [a]}\n");
        write("cameras/b.yaml", "id: b\nsource: {type: test_pattern}\ninference: {type: motion}\nmetadata:\n" + many);
        List<String> messages = errors(Map.of()).stream().map(ConfigError::toString).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:5:16: metadata.site/zone: Vision Events refuses this key"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:6:10: metadata.model: edgewatch sets 'model'"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:7:9: metadata.note: Vision Events keeps values of at most"
                + " 1000 characters; this one has 1001"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:8:31: vision_events.fail_classes: fail_classes decide a"
                + " quality_check's result"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("b.yaml:95:8: metadata.k90: Vision Events takes 100 metadata keys"
                + " and edgewatch needs 10 of them: at most 90 camera keys, this is key 91 of 91"));
    }

    @Test
    void visionEventsNeedOneUseCase() throws Exception {
        write("edgewatch.yaml", MAIN + "vision_events:\n  api_key: k\n");
        write("cameras/a.yaml", "id: a\nsource: {type: test_pattern}\ninference: {type: motion}\n");
        assertThat(errors(Map.of())).extracting(ConfigError::toString).anySatisfy(m -> assertThat(m)
                .contains("edgewatch.yaml").contains("vision_events.use_case: events need a use case"));
        write("edgewatch.yaml", MAIN + "vision_events:\n  api_key: k\n  use_case: a\n  use_case_id: b\n");
        assertThat(errors(Map.of())).extracting(ConfigError::toString).anySatisfy(m -> assertThat(m)
                .contains("vision_events.use_case_id: use_case and use_case_id both set"));
    }

    @Test
    void badInferenceServerAndOnnxSettingsAreErrorsThatSayWhatIsExpected() throws Exception {
        write("edgewatch.yaml", MAIN);
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference:
                  type: roboflow
                  url: ftp://server
                  model_id: people
                  task: detection
                  jpeg_quality: 0
                """);
        write("cameras/b.yaml", """
                id: b
                source: {type: test_pattern}
                inference:
                  type: onnx
                  model: /no/such/model.onnx
                  class_names: [a]
                  class_names_file: names.txt
                  input_size: 600
                  execution_provider: tensorrt
                """);
        List<String> messages = errors(Map.of()).stream().map(ConfigError::toString).toList();

        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:7:9: inference.task: 'detection' is not one of"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:6:13: inference.model_id: 'people' is not a Roboflow model id"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:8:17: inference.jpeg_quality"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:5:8: inference.url: 'ftp://server' is not an http(s) URL"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("b.yaml:5:10: inference.model: file /no/such/model.onnx does not exist"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("inference.class_names_file: give class_names or class_names_file, not both"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("b.yaml:8:15: inference.input_size: must be a multiple of 32"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("b.yaml:9:23: inference.execution_provider: 'tensorrt' is not one of cpu, cuda"));
    }

    @Test
    void anOnnxRuntimeNativePathMustBeAFolderWithTheBindingsLibraries() throws Exception {
        Files.createDirectories(dir.resolve("empty-ort"));
        write("edgewatch.yaml", MAIN + "onnxruntime:\n  native_path: " + dir.resolve("no-such") + "\n");
        assertThat(errors(Map.of())).extracting(ConfigError::toString).anySatisfy(m -> assertThat(m)
                .contains("onnxruntime.native_path: folder " + dir.resolve("no-such") + " does not exist"));
        write("edgewatch.yaml", MAIN + "onnxruntime:\n  native_path: " + dir.resolve("empty-ort") + "\n  nativ_path: x\n");
        List<String> messages = errors(Map.of()).stream().map(ConfigError::toString).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("onnxruntime.native_path: folder " + dir.resolve("empty-ort")
                + " has no libonnxruntime.so"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("onnxruntime.nativ_path"));
    }

    @Test
    void executionProvidersAreAnOrderedListOfKnownNamesEachOnce() throws Exception {
        Path model = dir.resolve("m.onnx");
        Files.write(model, new byte[] {1});
        write("edgewatch.yaml", MAIN);
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference:
                  type: onnx
                  model: %s
                  providers: [tensorrt, cuda, cpu]
                """.formatted(model));
        EdgewatchConfig c = new ConfigLoader(Map.of()).read(dir);
        assertThat(((OnnxDetector) c.cameras().get(0).inference()).options().providers())
                .containsExactly(OnnxOptions.Provider.TENSORRT, OnnxOptions.Provider.CUDA, OnnxOptions.Provider.CPU);

        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference:
                  type: onnx
                  model: %s
                  providers: [cuda, openvino]
                """.formatted(model));
        write("cameras/b.yaml", """
                id: b
                source: {type: test_pattern}
                inference:
                  type: onnx
                  model: %s
                  providers: [cuda, cuda]
                  execution_provider: cuda
                """.formatted(model));
        List<String> messages = errors(Map.of()).stream().map(ConfigError::toString).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:6:14: inference.providers: 'openvino' is not one of"
                + " tensorrt, cuda, cpu"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("b.yaml:7:23: inference.execution_provider: give providers"));
    }

    @Test
    void aDecoderThisBuildDoesNotHaveOrARequiredSoftwareDecoderIsAnErrorWhereItIsWritten() throws Exception {
        write("edgewatch.yaml", MAIN);
        write("cameras/a.yaml", """
                id: a
                source:
                  type: test_pattern
                  decoder: h264_nvmpi
                """);
        write("cameras/b.yaml", """
                id: b
                source:
                  type: test_pattern
                  decoder: software
                  decoder_required: true
                """);
        write("cameras/c.yaml", """
                id: c
                source:
                  type: rtsp
                  url: rtsp://cam/stream
                  decoder: hevc_cuvid
                  decoder_required: true
                """);
        List<String> messages = errors(Map.of()).stream().map(ConfigError::toString).toList();
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("a.yaml:4:12: source.decoder: this build of FFmpeg has no decoder"
                + " named h264_nvmpi"));
        assertThat(messages).anySatisfy(m -> assertThat(m).contains("b.yaml:5:21: source.decoder_required: needs a hardware decoder"));
        // a hardware decoder this build has is taken, required or not, whatever this machine has
        assertThat(messages).noneSatisfy(m -> assertThat(m).contains("c.yaml").contains("decoder"));
    }

    @Test
    void everyErrorOfEveryFileIsReportedAtOnceWithFileLineColumnAndKey() throws Exception {
        write("edgewatch.yaml", MAIN + "inference:\n  workrs: 2\n");
        write("cameras/a.yaml", """
                id: cam-a
                source:
                  type: file
                  path: /no/such/clip.mp4
                inference:
                  type: hog
                  scale: fast
                aggregation:
                  frequency: 0
                """);
        write("cameras/b.yaml", """
                id: cam-a
                enabled: maybe
                source:
                  type: webcam
                inference:
                  type: motion
                  max_in_flight: 4
                sinks: [jsonl, amqp]
                """);
        List<String> messages = errors(Map.of()).stream().map(ConfigError::toString).toList();
        Path main = dir.resolve("edgewatch.yaml");
        Path a = dir.resolve("cameras/a.yaml");
        Path b = dir.resolve("cameras/b.yaml");
        assertThat(messages).containsExactlyInAnyOrder(
                main + ":5:3: inference.workrs: unknown key; did you mean 'workers'? (known here: workers, opencv_threads, "
                        + "server_max_in_flight, onnx_threads)",
                a + ":4:9: source.path: file /no/such/clip.mp4 does not exist or cannot be read",
                a + ":7:10: inference.scale: expected a number, found 'fast'",
                a + ":9:14: aggregation.frequency: must be between 1 and 86400, found 0",
                b + ":1:5: id: camera id 'cam-a' is already used by " + a,
                b + ":2:10: enabled: expected true or false, found 'maybe'",
                b + ":4:9: source.type: 'webcam' is not one of file, test_pattern, rtsp, usb, http",
                b + ":7:18: inference.max_in_flight: the motion detector learns from frames in order: it runs one frame at a time (1)",
                b + ":8:8: sinks: unknown sink 'amqp'; sinks: jsonl, roboflow, vision_events, mqtt, kafka");
    }

    @Test
    void theHoldOfRequestsMadeOnAWrongClockIsReadWithItsDefaultAndABadOneIsAnErrorWithFileLineAndColumn() throws Exception {
        Files.createDirectories(dir.resolve("cameras"));
        write("edgewatch.yaml", MAIN);
        assertThat(new ConfigLoader(Map.of()).read(dir).storage().wrongClockHold()).isEqualTo(Duration.ofHours(24));
        write("edgewatch.yaml", MAIN + "storage:\n  wrong_clock_hold: 2h\n");
        assertThat(new ConfigLoader(Map.of()).read(dir).storage().wrongClockHold()).isEqualTo(Duration.ofHours(2));
        write("edgewatch.yaml", MAIN + "storage:\n  wrong_clock_hold: 10s\n");
        Path main = dir.resolve("edgewatch.yaml");
        assertThat(errors(Map.of()).stream().map(ConfigError::toString))
                .containsExactly(main + ":5:21: storage.wrong_clock_hold: must be at least 1m, found 10s");
        write("edgewatch.yaml", MAIN + "storage:\n  wrong_clock_hold: soon\n");
        assertThat(errors(Map.of()).stream().map(ConfigError::toString)).singleElement().asString()
                .startsWith(main + ":5:21: storage.wrong_clock_hold: ");
    }

    @Test
    void environmentVariablesAreExpandedWithDefaultsAndAMissingOneIsAnError() throws Exception {
        write("edgewatch.yaml", "device_id: ${BOX}\n" + MAIN);
        write("cameras/a.yaml", """
                id: ${CAM_ID:-cam-default}
                source:
                  type: rtsp
                  url: rtsp://u:${CAM_PASSWORD}@127.0.0.1/live
                inference:
                  type: none
                aggregation:
                  frequency: ${FREQ:-7}
                """);
        EdgewatchConfig c = new ConfigLoader(Map.of("BOX", "edge-7", "CAM_PASSWORD", "pw")).read(dir);
        assertThat(c.deviceId()).isEqualTo("edge-7");
        assertThat(c.cameras().get(0).id()).isEqualTo("cam-default");
        assertThat(c.cameras().get(0).frequency()).isEqualTo(Duration.ofSeconds(7));
        assertThat(((SourceConfig.Rtsp) c.cameras().get(0).source()).url()).isEqualTo("rtsp://u:pw@127.0.0.1/live");

        assertThat(errors(Map.of("BOX", "x"))).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo("source.url");
            assertThat(e.line()).isEqualTo(4);
            assertThat(e.message()).isEqualTo("environment variable CAM_PASSWORD is not set (write ${CAM_PASSWORD:-default} to give a default)");
        });
    }

    @Test
    void badYamlAndMissingFilesAreReportedByName() throws Exception {
        assertThat(errors(Map.of())).singleElement().satisfies(e -> {
            assertThat(e.file()).isEqualTo(dir.resolve("edgewatch.yaml"));
            assertThat(e.message()).isEqualTo("file does not exist");
        });
        write("edgewatch.yaml", MAIN);
        write("cameras/broken.yaml", "id: x\nsource: [unclosed\n");
        write("cameras/dupkey.yaml", "id: y\nid: z\n");
        List<ConfigError> errors = errors(Map.of());
        assertThat(errors).anySatisfy(e -> {
            assertThat(e.file()).isEqualTo(dir.resolve("cameras/broken.yaml"));
            assertThat(e.line()).isPositive();
            assertThat(e.message()).startsWith("not valid YAML");
        });
        assertThat(errors).anySatisfy(e -> {
            assertThat(e.file()).isEqualTo(dir.resolve("cameras/dupkey.yaml"));
            assertThat(e.line()).isEqualTo(2);
            assertThat(e.message()).contains("'id' appears twice");
        });
        assertThat(catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(Map.of()).read(dir.resolve("nope"))).errors())
                .singleElement().satisfies(e -> assertThat(e.message()).contains("does not exist"));
    }

    @Test
    void wrongShapesAndRequiredKeysAreCaught() throws Exception {
        write("edgewatch.yaml", MAIN);
        write("cameras/a.yaml", """
                id: "bad id!"
                source: file
                inference:
                  type: cascade
                metadata: [a, b]
                """);
        List<String> messages = errors(Map.of()).stream().map(e -> e.key() + ": " + e.message()).toList();
        assertThat(messages).containsExactlyInAnyOrder(
                "id: 'bad id!' is not a valid camera id (letters, digits, '_', '-', '.', at most 64, starting with a letter or digit)",
                "source: expected a mapping of keys to values, found text",
                "source.type: is required",
                "inference.cascade: is required",
                "metadata: expected a mapping of keys to values, found a list");
    }

    @Test
    void aBaselineIsPinnedByTwoLocalTimesAndMalformedAnswersHaveALimit() throws Exception {
        write("edgewatch.yaml", MAIN + "alerts:\n  malformed_rate: 0.01\n");
        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference: {type: none}
                alerts:
                  baseline_from: 2026-11-20 08:00:00
                  baseline_to: "2026-11-20 16:30:00"
                """);
        EdgewatchConfig c = new ConfigLoader(Map.of()).read(dir);
        AlertOptions a = c.cameras().get(0).alerts();
        ZoneId zone = ZoneId.systemDefault();
        assertThat(a.pinned()).isTrue();
        assertThat(a.baselineFrom()).isEqualTo(LocalDateTime.of(2026, 11, 20, 8, 0).atZone(zone).toInstant());
        assertThat(a.baselineTo()).isEqualTo(LocalDateTime.of(2026, 11, 20, 16, 30).atZone(zone).toInstant());
        assertThat(a.malformedRate()).isEqualTo(0.01);

        write("cameras/a.yaml", """
                id: a
                source: {type: test_pattern}
                inference: {type: none}
                alerts:
                  baseline_from: yesterday
                """);
        write("cameras/b.yaml", """
                id: b
                source: {type: test_pattern}
                inference: {type: none}
                alerts:
                  baseline_from: 2026-11-20 08:00:00
                """);
        write("cameras/c.yaml", """
                id: c
                source: {type: test_pattern}
                inference: {type: none}
                alerts:
                  baseline_from: 2026-11-20 08:00:00
                  baseline_to: 2026-11-20 07:00:00
                  malformed_rate: 2
                """);
        List<String> messages = errors(Map.of()).stream().map(e -> e.file().getFileName() + ": " + e.key() + ": " + e.message()).toList();
        assertThat(messages).containsExactlyInAnyOrder(
                "a.yaml: alerts.baseline_from: 'yesterday' is not a local time of the form YYYY-MM-DD HH:mm:ss, such as 2026-11-20 08:00:00",
                "b.yaml: alerts.baseline_to: baseline_from and baseline_to pin the baseline together: set both, or neither to learn it",
                "c.yaml: alerts.baseline_to: must be after baseline_from (2026-11-20 08:00:00)",
                "c.yaml: alerts.malformed_rate: must be between 0 and 1, found 2");
    }

    @Test
    void liveSourcesTakeReconnectSettings() throws Exception {
        write("edgewatch.yaml", MAIN);
        write("cameras/a.yaml", """
                id: a
                source:
                  type: rtsp
                  url: rtsp://127.0.0.1/x
                  reconnect:
                    min_delay: 2s
                    max_delay: 1m
                    watchdog: 3s
                inference:
                  type: none
                """);
        var r = ((SourceConfig.Live) new ConfigLoader(Map.of()).read(dir).cameras().get(0).source()).reconnect();
        assertThat(r.minDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.maxDelay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(r.watchdog()).isEqualTo(Duration.ofSeconds(3));
        assertThat(r.healthyAfter()).isEqualTo(Duration.ofSeconds(10)); // the default

        write("cameras/a.yaml", "id: a\nsource:\n  type: rtsp\n  url: rtsp://h/x\n  reconnect:\n    min_delay: 5s\n"
                + "    max_delay: 1s\n    watchdg: 2s\ninference:\n  type: none\n");
        assertThat(errors(Map.of())).extracting(ConfigError::key)
                .containsExactlyInAnyOrder("source.reconnect.max_delay", "source.reconnect.watchdg");
    }

    /** {@code source.tls_verify} (on by default) and {@code source.ca_file} of rtsp and http cameras; a ca_file that is not there is an error. */
    @Test
    void tlsCamerasVerifyByDefaultAndTakeACaFileOrTlsVerifyFalse() throws Exception {
        write("edgewatch.yaml", MAIN);
        Path ca = dir.resolve("cams.pem");
        Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n");
        write("cameras/a.yaml", "id: a\nsource:\n  type: rtsp\n  url: rtsps://h/x\ninference:\n  type: none\n");
        write("cameras/b.yaml", "id: b\nsource:\n  type: http\n  url: https://h/x.mjpg\n  ca_file: " + ca
                + "\ninference:\n  type: none\n");
        write("cameras/c.yaml", "id: c\nsource:\n  type: http\n  url: https://h/x.mjpg\n  tls_verify: false\ninference:\n  type: none\n");
        var cameras = new ConfigLoader(Map.of()).read(dir).cameras();
        assertThat(cameras).extracting(c -> c.source() instanceof SourceConfig.Rtsp r ? r.tls()
                        : ((SourceConfig.Http) c.source()).tls())
                .containsExactly(Tls.DEFAULT, new Tls(true, ca), new Tls(false, null));

        write("cameras/b.yaml", "id: b\nsource:\n  type: http\n  url: https://h/x.mjpg\n  ca_file: /not/here.pem\ninference:\n  type: none\n");
        assertThat(errors(Map.of())).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo("source.ca_file");
            assertThat(e.message()).contains("/not/here.pem");
        });
    }

    @Test
    void disabledCamerasMayPointAtFilesThatAreNotThere() throws Exception {
        write("edgewatch.yaml", MAIN);
        write("cameras/a.yaml", "id: a\nenabled: false\nsource:\n  type: file\n  path: /not/here.mp4\ninference:\n  type: hog\n");
        assertThat(new ConfigLoader(Map.of()).read(dir).enabledCameras()).isEmpty();
    }
}
