package io.edgewatch.inference.onnx;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_dnn;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.ModelType;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.inference.BlockingDetector;
import io.edgewatch.inference.internal.BlockingAdapter;
import reactor.core.scheduler.Scheduler;

/**
 * An exported YOLO-family detector in one ONNX Runtime session, loaded once and shared: sessions
 * run concurrently, so every worker thread calls the same one with its own pre-processing
 * buffers. Frames are letterboxed to the input size (aspect kept, padded with grey 114 as the
 * exports were trained), converted to RGB floats in 0..1, NCHW; the output is decoded for its
 * layout, filtered by confidence, suppressed per class, and mapped back to frame pixels.
 */
public final class OnnxModel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OnnxModel.class);
    private static final int DEFAULT_SIZE = 640;
    private static final Pattern NAME = Pattern.compile("(\\d+)\\s*:\\s*(?:'((?:[^'\\\\]|\\\\.)*)'|\"((?:[^\"\\\\]|\\\\.)*)\")");

    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName;
    private final int inputWidth;
    private final int inputHeight;
    private final long[] outputShape;
    private final List<String> metadataNames;
    private final OnnxOptions.Provider provider;
    /** Runs on the session hold it shared, its close exclusively: a session is never closed under a run. */
    private final ReentrantReadWriteLock use = new ReentrantReadWriteLock();
    private volatile boolean closed;
    /** How long {@link #close()} waits for the runs on the session to end. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private OnnxModel(Path file, OrtEnvironment env, OrtSession session, OnnxOptions.Provider provider, int inputSize)
            throws OrtException {
        this.file = file;
        this.env = env;
        this.session = session;
        this.provider = provider;
        Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
        this.inputName = input.getKey();
        long[] in = shapeOf(input.getValue(), "input");
        if (in.length != 4 || (in[1] != 3 && in[1] > 0)) {
            throw new IllegalArgumentException("ONNX model " + file + ": input " + inputName + " has shape "
                    + Arrays.toString(in) + ", not [1, 3, height, width] (an image detector exported as NCHW)");
        }
        Map<String, String> meta = session.getMetadata().getCustomMetadata();
        int fromMeta = imgsz(meta.get("imgsz"));
        this.inputHeight = side(in[2], inputSize, fromMeta, "height");
        this.inputWidth = side(in[3], inputSize, fromMeta, "width");
        NodeInfo output = session.getOutputInfo().values().iterator().next();
        this.outputShape = shapeOf(output, "output");
        if (outputShape.length != 3) {
            throw new IllegalArgumentException("ONNX model " + file + ": output has shape " + Arrays.toString(outputShape)
                    + ", not [1, N, 5+classes] (YOLOv5) or [1, 4+classes, N] (YOLOv8/v11); is it exported without NMS?");
        }
        this.metadataNames = parseNames(meta.get("names"));
    }

    /** Loads a model once on one provider; the session is shared by every adapter made from it. */
    public static OnnxModel load(Path file, OnnxOptions.Provider provider, int intraOpThreads, int inputSize) {
        return load(file, List.of(provider), intraOpThreads, inputSize, null);
    }

    /**
     * Loads a model once, on the first of {@code providers} that ONNX Runtime can run here: each is
     * tried in turn, and one that is missing ({@code ORT_EP_FAIL}: the jar has no GPU build, or a
     * library of it is missing) gives one WARN naming it and why, and the next is tried. None left
     * is an error naming them all. TensorRT caches the engines it builds under {@code engineCache}
     * (when not null), so a restart does not build them again. The session is shared by every
     * adapter made from it.
     */
    public static OnnxModel load(Path file, List<OnnxOptions.Provider> providers, int intraOpThreads, int inputSize,
                                 Path engineCache) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("ONNX model " + file + " does not exist or is not a file");
        }
        OrtEnvironment env;
        try {
            env = OrtEnvironment.getEnvironment();
        } catch (LinkageError e) {
            // its libraries did not load: a broken onnxruntime.native_path build, or a platform the jar has none for
            String from = System.getProperty("onnxruntime.native.path");
            throw new IllegalArgumentException("ONNX model " + file + ": ONNX Runtime's libraries cannot be loaded"
                    + (from != null ? " from " + from + " (onnxruntime.native_path)" : "") + ": " + e, e);
        }
        List<String> refused = new ArrayList<>();
        for (OnnxOptions.Provider provider : providers) {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                if (intraOpThreads > 0) {
                    options.setIntraOpNumThreads(intraOpThreads);
                }
                try {
                    addProvider(options, provider, engineCache);
                } catch (OrtException | UnsatisfiedLinkError | IllegalArgumentException e) {
                    refused.add(provider.label() + " (" + e.getMessage() + ")");
                    log.warn("ONNX model {}: the {} execution provider is not available here ({}); {}", file, provider.label(),
                            e.getMessage(), then(providers, provider));
                    continue;
                }
                OrtSession session;
                try {
                    session = env.createSession(file.toString(), options);
                } catch (OrtException e) {
                    if (provider == OnnxOptions.Provider.CPU) {
                        throw e;
                    }
                    // a GPU build without a usable device, a driver that does not match, a model TensorRT cannot build:
                    // often found only here, not when the provider was added
                    refused.add(provider.label() + " (" + e.getMessage() + ")");
                    log.warn("ONNX model {}: a session on the {} execution provider could not be made ({}); {}", file,
                            provider.label(), e.getMessage(), then(providers, provider));
                    continue;
                }
                try {
                    OnnxModel model = new OnnxModel(file, env, session, provider, inputSize);
                    log.info("ONNX model {}: input {}x{}, output {}, {} class names in its metadata, on the {} execution provider",
                            file, model.inputWidth, model.inputHeight, Arrays.toString(model.outputShape),
                            model.metadataNames.size(), provider.label());
                    return model;
                } catch (RuntimeException | OrtException e) {
                    session.close();
                    throw e;
                }
            } catch (OrtException e) {
                throw new IllegalArgumentException("ONNX model " + file + " cannot be loaded: " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("ONNX model " + file + ": none of the execution providers " + labels(providers)
                + " is available here: " + String.join("; ", refused) + ". For a GPU, put ONNX Runtime's GPU build on the class"
                + " path (edgewatch-gpu.jar) or point onnxruntime.native_path at one built on the device; or add cpu to the list");
    }

    private static void addProvider(OrtSession.SessionOptions options, OnnxOptions.Provider provider, Path engineCache)
            throws OrtException {
        switch (provider) {
            case CPU -> {
                // ONNX Runtime's own kernels: nothing to add
            }
            case CUDA -> options.addCUDA(0);
            case TENSORRT -> {
                OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(0);
                if (engineCache != null) {
                    try {
                        Files.createDirectories(engineCache);
                    } catch (java.io.IOException e) {
                        throw new IllegalArgumentException("its engine cache " + engineCache + " cannot be made: " + e, e);
                    }
                    trt.add("trt_engine_cache_enable", "1");
                    trt.add("trt_engine_cache_path", engineCache.toString());
                }
                options.addTensorrt(trt);
            }
        }
    }

    /** What a fallback from {@code provider} does next: the next listed provider, or nothing. */
    private static String then(List<OnnxOptions.Provider> providers, OnnxOptions.Provider provider) {
        int i = providers.indexOf(provider);
        return i == providers.size() - 1 ? "no other is listed" : "trying " + providers.get(i + 1).label();
    }

    private static String labels(List<OnnxOptions.Provider> providers) {
        return "[" + String.join(", ", providers.stream().map(OnnxOptions.Provider::label).toList()) + "]";
    }

    public Path file() {
        return file;
    }

    public OnnxOptions.Provider provider() {
        return provider;
    }

    public int inputWidth() {
        return inputWidth;
    }

    public int inputHeight() {
        return inputHeight;
    }

    /** The class names the model's metadata lists, by index; empty when it has none. */
    public List<String> metadataNames() {
        return metadataNames;
    }

    /**
     * A camera's detector on this model. Runs on {@code workers} (a bounded scheduler that may
     * block), each worker with its own buffers. Closing the adapter leaves the model open.
     */
    public InferenceAdapter adapter(String modelId, OnnxOptions options, Scheduler workers) {
        List<String> names = names(options);
        return BlockingAdapter.perThread(modelId, ModelType.OBJECT_DETECTION, () -> new Detector(options, names), workers,
                provider.label());
    }

    /** A detector on the calling thread (one thread at a time), for loops and benchmarks; close it after. */
    public BlockingDetector detector(OnnxOptions options) {
        return new Detector(options, names(options));
    }

    private List<String> names(OnnxOptions options) {
        List<String> names = options.classNames().isEmpty() ? metadataNames : options.classNames();
        int classes = classCount(options.layout());
        if (classes > 0 && !names.isEmpty() && names.size() != classes) {
            throw new IllegalArgumentException("ONNX model " + file + " outputs " + classes + " classes but "
                    + (options.classNames().isEmpty() ? "its metadata names " : "class_names lists ") + names.size());
        }
        return names;
    }

    /** The class count the output's static shape gives for the layout, or 0 when it is dynamic. */
    int classCount(OnnxOptions.Layout layout) {
        long a = outputShape[1];
        long b = outputShape[2];
        if (a <= 0 || b <= 0) {
            return 0;
        }
        return (int) (resolve(layout, a, b) == OnnxOptions.Layout.YOLOV8 ? a - 4 : b - 5);
    }

    static OnnxOptions.Layout resolve(OnnxOptions.Layout layout, long a, long b) {
        if (layout != OnnxOptions.Layout.AUTO) {
            return layout;
        }
        return a < b ? OnnxOptions.Layout.YOLOV8 : OnnxOptions.Layout.YOLOV5;
    }

    /** One worker's letterbox buffers over the shared session. */
    private final class Detector implements BlockingDetector {

        private final OnnxOptions options;
        private final List<String> names;
        private final Mat resized = new Mat();
        private final Mat padded = new Mat();
        private final Mat blob = new Mat();
        private final Scalar grey = new Scalar(114, 114, 114, 0);

        Detector(OnnxOptions options, List<String> names) {
            this.options = options;
            this.names = names;
        }

        @Override
        public List<Prediction> detect(Mat bgr) {
            Letterbox lb = Letterbox.of(bgr.cols(), bgr.rows(), inputWidth, inputHeight);
            try (Size size = new Size(lb.width(), lb.height())) {
                opencv_imgproc.resize(bgr, resized, size, 0, 0, opencv_imgproc.INTER_LINEAR);
            }
            opencv_core.copyMakeBorder(resized, padded, lb.top(), inputHeight - lb.height() - lb.top(), lb.left(),
                    inputWidth - lb.width() - lb.left(), opencv_core.BORDER_CONSTANT, grey);
            try (Size none = new Size(); Scalar zero = new Scalar(0, 0, 0, 0)) {
                opencv_dnn.blobFromImage(padded, blob, 1 / 255.0, none, zero, true, false, opencv_core.CV_32F);
            }
            FloatBuffer pixels = blob.createBuffer();
            use.readLock().lock();
            if (closed) {
                use.readLock().unlock();
                throw new InferenceException(InferenceException.Kind.UNAVAILABLE, "ONNX model " + file + " is closed");
            }
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, pixels, new long[] {1, 3, inputHeight, inputWidth});
                 OrtSession.Result result = session.run(Collections.singletonMap(inputName, tensor))) {
                OnnxValue out = result.get(0);
                if (!(out instanceof OnnxTensor t) || t.getInfo().getShape().length != 3) {
                    throw new InferenceException(InferenceException.Kind.MALFORMED,
                            "ONNX model " + file + " did not output a [1, a, b] tensor: " + out.getInfo());
                }
                long[] shape = t.getInfo().getShape();
                return predictions(t.getFloatBuffer(), shape, lb, bgr.cols(), bgr.rows());
            } catch (OrtException e) {
                throw new InferenceException(InferenceException.Kind.INTERNAL, "ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
            } finally {
                use.readLock().unlock();
            }
        }

        private List<Prediction> predictions(FloatBuffer out, long[] shape, Letterbox lb, int frameWidth, int frameHeight) {
            OnnxOptions.Layout layout = resolve(options.layout(), shape[1], shape[2]);
            int classes = (int) (layout == OnnxOptions.Layout.YOLOV8 ? shape[1] - 4 : shape[2] - 5);
            int n = (int) (layout == OnnxOptions.Layout.YOLOV8 ? shape[2] : shape[1]);
            if (classes < 1 || (!names.isEmpty() && names.size() != classes)) {
                throw new InferenceException(InferenceException.Kind.MALFORMED, "ONNX model " + file + " output "
                        + Arrays.toString(shape) + " read as " + layout + " has " + classes + " classes, "
                        + "but " + names.size() + " class names are configured");
            }
            List<YoloDecoder.Candidate> found = layout == OnnxOptions.Layout.YOLOV8
                    ? YoloDecoder.yolov8(out, classes, n, (float) options.confidence())
                    : YoloDecoder.yolov5(out, classes, n, (float) options.confidence());
            List<YoloDecoder.Candidate> kept = YoloDecoder.nms(found, (float) options.iouThreshold(), options.maxDetections());
            List<Prediction> predictions = new ArrayList<>(kept.size());
            for (YoloDecoder.Candidate c : kept) {
                Box box = lb.toFrame(c, frameWidth, frameHeight);
                if (box.width() > 0 && box.height() > 0) {
                    String name = names.isEmpty() ? "class_" + c.classIndex() : names.get(c.classIndex());
                    predictions.add(Prediction.detection(name, c.confidence(), box));
                }
            }
            return predictions;
        }

        @Override
        public void close() {
            resized.close();
            padded.close();
            blob.close();
            grey.close();
        }
    }

    /** Where a frame lands in the model's input: scaled by {@code scale} to {@code width x height} at {@code left, top}. */
    record Letterbox(double scale, int width, int height, int left, int top) {

        static Letterbox of(int frameWidth, int frameHeight, int inputWidth, int inputHeight) {
            double scale = Math.min((double) inputWidth / frameWidth, (double) inputHeight / frameHeight);
            int w = Math.max(1, (int) Math.round(frameWidth * scale));
            int h = Math.max(1, (int) Math.round(frameHeight * scale));
            return new Letterbox(scale, w, h, (inputWidth - w) / 2, (inputHeight - h) / 2);
        }

        /** A candidate in input pixels back in frame pixels, clipped to the frame. */
        Box toFrame(YoloDecoder.Candidate c, int frameWidth, int frameHeight) {
            double left = clamp((c.left() - this.left) / scale, frameWidth);
            double top = clamp((c.top() - this.top) / scale, frameHeight);
            double right = clamp((c.right() - this.left) / scale, frameWidth);
            double bottom = clamp((c.bottom() - this.top) / scale, frameHeight);
            return Box.fromCorner(left, top, right - left, bottom - top);
        }

        private static double clamp(double v, int max) {
            return Math.max(0, Math.min(max, v));
        }
    }

    private static long[] shapeOf(NodeInfo info, String what) {
        if (!(info.getInfo() instanceof TensorInfo t)) {
            throw new IllegalArgumentException("the model's " + what + " " + info.getName() + " is not a tensor");
        }
        return t.getShape();
    }

    private int side(long fromModel, int configured, int fromMeta, String what) {
        if (fromModel > 0) {
            if (configured > 0 && configured != fromModel) {
                throw new IllegalArgumentException("ONNX model " + file + " takes an input " + what + " of " + fromModel
                        + ", but input_size is " + configured + " (leave it out to use the model's)");
            }
            return (int) fromModel;
        }
        return configured > 0 ? configured : fromMeta > 0 ? fromMeta : DEFAULT_SIZE;
    }

    private static int imgsz(String value) {
        if (value == null) {
            return 0;
        }
        Matcher m = Pattern.compile("\\d+").matcher(value);
        return m.find() ? Integer.parseInt(m.group()) : 0;
    }

    /** Ultralytics writes {@code names} as a Python dict: {@code {0: 'person', 1: 'bicycle'}}. */
    static List<String> parseNames(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        Map<Integer, String> byIndex = new TreeMap<>();
        Matcher m = NAME.matcher(value);
        while (m.find()) {
            String name = m.group(2) != null ? m.group(2) : m.group(3);
            byIndex.put(Integer.parseInt(m.group(1)), name.replaceAll("\\\\(.)", "$1"));
        }
        List<String> names = new ArrayList<>(byIndex.values());
        for (int i = 0; i < names.size(); i++) {
            if (!byIndex.containsKey(i)) {
                return List.of(); // not indexed 0..n-1: not names we can use
            }
        }
        return List.copyOf(names);
    }


    /**
     * Closes the session once the runs on it have ended (up to 30 s; a run still going then keeps
     * the session open rather than have it freed under it, logged); later calls fail as unavailable.
     * It may wait: call it off the pipelines' threads. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        boolean locked = false;
        try {
            locked = use.writeLock().tryLock(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!locked) {
            log.warn("ONNX model {}: a run still going after {} s; its session is left open", file, CLOSE_WAIT.toSeconds());
            return;
        }
        try {
            session.close();
        } catch (OrtException | IllegalStateException e) {
            log.warn("ONNX model {}: closing its session failed: {}", file, e.getMessage());
        } finally {
            use.writeLock().unlock();
        }
    }
}
