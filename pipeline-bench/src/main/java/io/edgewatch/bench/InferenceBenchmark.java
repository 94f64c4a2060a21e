package io.edgewatch.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.inference.BlockingDetector;
import io.edgewatch.inference.Detectors;
import io.edgewatch.inference.onnx.OnnxModel;
import io.edgewatch.inference.onnx.OnnxOptions;
import io.edgewatch.inference.server.InferenceServerClient;
import io.edgewatch.inference.server.InferenceServerOptions;
import io.edgewatch.testkit.SyntheticClip;
import io.edgewatch.testkit.SyntheticModels;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The inference adapters' own cost, each against a baseline measured in the same run.
 *
 * <ol>
 *   <li>HTTP: the pipeline with the Roboflow Inference Server adapter against a server in this
 *       process that answers at once (it reads the whole request, answers a fixed detection),
 *       versus the same pipeline with the no-op detector, at 1, 4 and 16 requests in flight. The
 *       ratio is what JPEG encoding, base64, JSON and HTTP cost on this box.</li>
 *   <li>ONNX: the pipeline with the ONNX adapter (as many in flight as cores, one ONNX Runtime
 *       thread per inference) versus a bare single-threaded loop calling the same session with
 *       the same pre- and post-processing on frames decoded beforehand; for reference, the bare
 *       loop with ONNX Runtime's own threads. The model is a file given as third argument, or a
 *       generated YOLOv8-shaped convolutional detector (640x640, 80 classes).</li>
 * </ol>
 * Usage: {@code InferenceBenchmark [fixturesDir] [runs] [model.onnx]}.
 */
public final class InferenceBenchmark {

    private static final int HTTP_FRAMES = 300;
    private static final int ONNX_FRAMES = 40;

    private InferenceBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path fixtures = Path.of(args.length > 0 ? args[0] : "../shared/fixtures");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("edgewatch-bench");
        opencv_core.setNumThreads(1);
        Path clip = fixtures.resolve("vtest.avi");
        if (!Files.isReadable(clip)) {
            clip = work.resolve("clip.avi");
            SyntheticClip.write(clip, 768, 576, 25, HTTP_FRAMES, SyntheticClip.Codec.MPEG4);
            System.out.println("vtest.avi not found in " + fixtures + ": using a generated 768x576 clip");
        }
        System.out.printf(Locale.ROOT, "edgewatch inference benchmark: %d cores, %d runs per figure (median), JVM %s, clip %s%n",
                cores, runs, System.getProperty("java.version"), clip.getFileName());

        http(clip, runs, work);
        onnx(clip, runs, cores, work, args.length > 2 ? Path.of(args[2]) : null);
    }

    private static void http(Path clip, int runs, Path work) {
        System.out.println();
        System.out.printf(Locale.ROOT, "1. Roboflow Inference Server adapter vs no-op detector, first %d frames through the pipeline%n",
                HTTP_FRAMES);
        AtomicLong answered = new AtomicLong();
        byte[] answer = ("{\"inference_id\":\"bench\",\"time\":0.001,\"image\":{\"width\":768,\"height\":576},"
                + "\"predictions\":[{\"x\":100,\"y\":100,\"width\":40,\"height\":80,\"confidence\":0.9,\"class\":\"person\","
                + "\"class_id\":0}]}").getBytes(StandardCharsets.UTF_8);
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                        .flatMap(body -> {
                            if (req.uri().startsWith("/info")) {
                                return res.header("Content-Type", "application/json")
                                        .sendString(Mono.just("{\"name\":\"in-process stand-in\",\"version\":\"0\"}")).then();
                            }
                            answered.incrementAndGet();
                            return res.status(HttpResponseStatus.OK).header("Content-Type", "application/json")
                                    .sendByteArray(Mono.just(answer)).then();
                        }))
                .bindNow(Duration.ofSeconds(10));
        String url = "http://127.0.0.1:" + server.port();
        Scheduler encoders = Schedulers.newBoundedElastic(Runtime.getRuntime().availableProcessors(), 1000, "bench-encode");
        try {
            for (int inFlight : new int[] {1, 4, 16}) {
                try (InferenceServerClient client = new InferenceServerClient(url, inFlight, Duration.ofSeconds(30));
                     InferenceAdapter http = client.adapter("bench", InferenceServerOptions.defaults(url, "",
                             "bench/1", ModelType.OBJECT_DETECTION), encoders);
                     InferenceAdapter noop = Detectors.noop("noop")) {
                    List<BenchSupport.Result> r = BenchSupport.measure(runs,
                            () -> BenchSupport.pipeline(clip, noop, HTTP_FRAMES, inFlight, work),
                            () -> BenchSupport.pipeline(clip, http, HTTP_FRAMES, inFlight, work));
                    System.out.printf(Locale.ROOT, "   %2d in flight: no-op %7.1f fps   HTTP adapter %7.1f fps   ratio %.3f%n",
                            inFlight, r.get(0).fps(), r.get(1).fps(), r.get(1).fps() / r.get(0).fps());
                }
            }
            System.out.printf(Locale.ROOT, "   (the server answered %d requests)%n", answered.get());
            List<Mat> frames = BenchSupport.decode(clip, 100);
            double jpeg = BenchSupport.measure(runs, () -> jpegLoop(frames)).get(0).fps();
            System.out.printf(Locale.ROOT, "   for reference: JPEG encoding alone (quality 85, one thread) %7.1f fps%n", jpeg);
            frames.forEach(Mat::close);
        } finally {
            encoders.dispose();
            server.disposeNow();
        }
    }

    private static void onnx(Path clip, int runs, int cores, Path work, Path given) throws Exception {
        System.out.println();
        Path model = given;
        if (model == null) {
            model = work.resolve("conv-detector.onnx");
            Files.write(model, SyntheticModels.convDetector(640, 80));
        }
        System.out.printf(Locale.ROOT, "2. ONNX Runtime adapter (%s), first %d frames%n",
                given == null ? "generated YOLOv8-shaped conv detector, 640x640, 80 classes" : model, ONNX_FRAMES);
        List<Mat> frames = BenchSupport.decode(clip, ONNX_FRAMES);
        OnnxOptions options = OnnxOptions.defaults(model);
        Scheduler workers = Schedulers.newBoundedElastic(cores, 1000, "bench-onnx");
        try (OnnxModel oneThread = OnnxModel.load(model, OnnxOptions.Provider.CPU, 1, 0);
             OnnxModel ownThreads = OnnxModel.load(model, OnnxOptions.Provider.CPU, 0, 0);
             InferenceAdapter adapter = oneThread.adapter("onnx", options, workers);
             BlockingDetector bare = oneThread.detector(options);
             BlockingDetector bareOwnThreads = ownThreads.detector(options)) {
            List<BenchSupport.Result> r = BenchSupport.measure(runs, () -> loop(bare, frames),
                    () -> BenchSupport.pipeline(clip, adapter, ONNX_FRAMES, cores, work), () -> loop(bareOwnThreads, frames));
            System.out.printf(Locale.ROOT, "   bare loop (1 thread) %6.2f fps   pipeline (%d in flight, 1 thread each) %6.2f fps   ratio %.2f%n",
                    r.get(0).fps(), cores, r.get(1).fps(), r.get(1).fps() / r.get(0).fps());
            System.out.printf(Locale.ROOT, "   for reference: the bare loop with ONNX Runtime's own threads %6.2f fps (pipeline ratio %.2f)%n",
                    r.get(2).fps(), r.get(1).fps() / r.get(2).fps());
        } finally {
            workers.dispose();
            frames.forEach(Mat::close);
        }
    }

    private static long jpegLoop(List<Mat> frames) {
        long bytes = 0;
        try (BytePointer out = new BytePointer();
             IntPointer params = new IntPointer(
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY, 85)) {
            for (Mat m : frames) {
                org.bytedeco.opencv.global.opencv_imgcodecs.imencode(".jpg", m, out, params);
                bytes += out.limit();
            }
        }
        return bytes > 0 ? frames.size() : 0;
    }

    private static long loop(BlockingDetector detector, List<Mat> frames) {
        long boxes = 0;
        for (Mat m : frames) {
            boxes += detector.detect(m).size();
        }
        return boxes >= 0 ? frames.size() : 0;
    }
}
