package io.edgewatch.inference.onnx;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How to run an exported YOLO-family detector with ONNX Runtime.
 *
 * @param model the {@code .onnx} file
 * @param classNames class names by class index; empty to take them from the model's {@code names}
 *        metadata (as Ultralytics exports write it), else {@code class_0}, {@code class_1}, …
 * @param inputSize the square input side in pixels; 0 to take it from the model (640 when the model's is dynamic)
 * @param confidence the lowest confidence kept, 0 to 1
 * @param iouThreshold boxes of one class overlapping more than this are suppressed, 0 to 1
 * @param maxDetections most boxes per frame
 * @param layout how the output is laid out
 * @param providers where the model may run, in order of preference: each is tried in turn, the first that
 *        loads runs it (ONNX Runtime's threads are the daemon's {@code onnx_threads}, given to {@link OnnxModel#load})
 */
public record OnnxOptions(Path model, List<String> classNames, int inputSize, double confidence, double iouThreshold,
                          int maxDetections, Layout layout, List<Provider> providers) {

    /** The output layouts of the common exports. */
    public enum Layout {
        /** Decide from the output's shape: the longer axis is the candidates. */
        AUTO,
        /** YOLOv5 (and v7): {@code [1, N, 5+C]}, rows of box, objectness, class scores. */
        YOLOV5,
        /** YOLOv8 and v11: {@code [1, 4+C, N]}, columns of box and class scores, no objectness. */
        YOLOV8
    }

    /** Execution providers. */
    public enum Provider {
        /** NVIDIA's TensorRT: needs ONNX Runtime's GPU build with TensorRT; its engines are cached under the storage folder. */
        TENSORRT,
        /** NVIDIA GPUs: needs ONNX Runtime's GPU build (x64) or one built on the device (a Jetson). */
        CUDA,
        /** ONNX Runtime's own CPU kernels: always there. */
        CPU;

        /** The name a configuration writes: {@code tensorrt}, {@code cuda}, {@code cpu}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where a model runs unless told otherwise: the CPU. */
    public static final List<Provider> DEFAULT_PROVIDERS = List.of(Provider.CPU);

    public OnnxOptions {
        Objects.requireNonNull(model, "model");
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
        layout = layout == null ? Layout.AUTO : layout;
        providers = providers == null || providers.isEmpty() ? DEFAULT_PROVIDERS : List.copyOf(providers);
        if (providers.stream().distinct().count() != providers.size()) {
            throw new IllegalArgumentException("each execution provider may be listed once, not " + providers);
        }
        if (inputSize < 0 || inputSize % 32 != 0) {
            throw new IllegalArgumentException("input size must be a multiple of 32 (or 0 for the model's), not " + inputSize);
        }
        if (confidence < 0 || confidence > 1 || iouThreshold < 0 || iouThreshold > 1) {
            throw new IllegalArgumentException("confidence and IoU threshold must be 0 to 1");
        }
        if (maxDetections < 1) {
            throw new IllegalArgumentException("max detections must be at least 1, not " + maxDetections);
        }
    }

    /** Confidence 0.25, IoU 0.45, 300 boxes, the model's input size and names, layout from the shape, CPU. */
    public static OnnxOptions defaults(Path model) {
        return new OnnxOptions(model, List.of(), 0, 0.25, 0.45, 300, Layout.AUTO, DEFAULT_PROVIDERS);
    }
}
