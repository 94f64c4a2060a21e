package io.edgewatch.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Real ONNX models written byte by byte in protobuf, for tests and benchmarks on a machine that
 * cannot download one (as {@code SyntheticClip} is for video).
 *
 * <p>{@link #colourDetector}: input {@code images [1, 3, 128, 128]}; each
 * 16x16 cell of the input is a candidate whose class scores are the cell's mean R, G and B
 * (AveragePool), whose box is a constant 32x32 square centred on the cell, and (YOLOv5 layout)
 * whose objectness is 1. So a pure-red area of the frame becomes class 0 boxes over it, blue
 * class 2, and the letterbox's grey (114/255 = 0.447) stays under a 0.5 threshold.
 *
 * <p>YOLOv8 layout: Concat(boxes, pooled) {@code [1, 7, 8, 8]}, Reshape {@code [1, 7, 64]}.
 * YOLOv5 layout: Concat(boxes, ones, pooled) {@code [1, 8, 8, 8]}, Reshape {@code [1, 8, 64]},
 * Transpose {@code [1, 64, 8]}. Opset 13, IR version 7.
 */
public final class SyntheticModels {

    static final int SIZE = 128;
    static final int CELL = 16;
    static final int GRID = SIZE / CELL;
    static final int BOX = 32;

    private SyntheticModels() {
    }

    /** The colour detector's bytes; {@code names} goes into the {@code names} metadata when not null. */
    public static byte[] colourDetector(boolean yolov5, String names) {
        int channels = yolov5 ? 8 : 7;
        Proto graph = new Proto();
        graph.message(1, node("pool", "AveragePool", new String[] {"images"}, "pooled",
                ints("kernel_shape", CELL, CELL), ints("strides", CELL, CELL)));
        graph.message(1, yolov5
                ? node("cat", "Concat", new String[] {"boxes", "objectness", "pooled"}, "cat", intAttr("axis", 1))
                : node("cat", "Concat", new String[] {"boxes", "pooled"}, "cat", intAttr("axis", 1)));
        graph.message(1, node("reshape", "Reshape", new String[] {"cat", "shape"}, yolov5 ? "rows" : "output0"));
        if (yolov5) {
            graph.message(1, node("transpose", "Transpose", new String[] {"rows"}, "output0", ints("perm", 0, 2, 1)));
        }
        graph.string(2, "tiny-yolo");
        graph.message(5, floatTensor("boxes", boxes(), 1, 4, GRID, GRID));
        if (yolov5) {
            float[] ones = new float[GRID * GRID];
            Arrays.fill(ones, 1f);
            graph.message(5, floatTensor("objectness", ones, 1, 1, GRID, GRID));
        }
        graph.message(5, longTensor("shape", 1, channels, GRID * GRID));
        graph.message(11, valueInfo("images", 1, 3, SIZE, SIZE));
        graph.message(12, yolov5 ? valueInfo("output0", 1, GRID * GRID, channels) : valueInfo("output0", 1, channels, GRID * GRID));

        return modelOf(graph, names);
    }

    private static byte[] modelOf(Proto graph, String names) {
        Proto model = new Proto();
        model.varint(1, 7);
        model.string(2, "edgewatch");
        model.message(7, graph);
        Proto opset = new Proto();
        opset.string(1, "");
        opset.varint(2, 13);
        model.message(8, opset);
        if (names != null) {
            Proto entry = new Proto();
            entry.string(1, "names");
            entry.string(2, names);
            model.message(14, entry);
        }
        return model.bytes();
    }

    /**
     * A YOLOv8-shaped detector with a real convolutional load, for benchmarks: input
     * {@code [1, 3, size, size]}; three 3x3 convolutions with ReLU, stride 2 each (3 to 16 to 32 to
     * 32 channels), a 1x1 convolution to {@code 4 + classes} channels and a sigmoid, reshaped to
     * {@code [1, 4 + classes, (size/8)^2]}. Weights are pseudo-random from a fixed seed; the class
     * channels' bias of -6 keeps nearly every candidate under a 0.25 threshold, as in a real scene,
     * so the decoder scans every score and NMS sees few boxes. About 0.24 GMAC at 640.
     */
    public static byte[] convDetector(int size, int classes) {
        int grid = size / 8;
        int out = 4 + classes;
        Random random = new Random(42);
        Proto graph = new Proto();
        String x = "images";
        int[][] layers = {{3, 16}, {16, 32}, {32, 32}};
        for (int i = 0; i < layers.length; i++) {
            int in = layers[i][0];
            int ch = layers[i][1];
            graph.message(5, floatTensor("w" + i, weights(random, ch * in * 9, in * 9), ch, in, 3, 3));
            graph.message(5, floatTensor("b" + i, new float[ch], ch));
            graph.message(1, node("conv" + i, "Conv", new String[] {x, "w" + i, "b" + i}, "c" + i,
                    ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1)));
            graph.message(1, node("relu" + i, "Relu", new String[] {"c" + i}, "r" + i));
            x = "r" + i;
        }
        float[] bias = new float[out];
        for (int c = 4; c < out; c++) {
            bias[c] = -6f;
        }
        graph.message(5, floatTensor("head_w", weights(random, out * 32, 32), out, 32, 1, 1));
        graph.message(5, floatTensor("head_b", bias, out));
        graph.message(1, node("head", "Conv", new String[] {x, "head_w", "head_b"}, "head_out", ints("kernel_shape", 1, 1)));
        graph.message(1, node("sigmoid", "Sigmoid", new String[] {"head_out"}, "scores"));
        graph.message(5, longTensor("shape", 1, out, (long) grid * grid));
        graph.message(1, node("reshape", "Reshape", new String[] {"scores", "shape"}, "output0"));
        graph.string(2, "conv-detector");
        graph.message(11, valueInfo("images", 1, 3, size, size));
        graph.message(12, valueInfo("output0", 1, out, (long) grid * grid));
        return modelOf(graph, null);
    }

    private static float[] weights(Random random, int n, int fanIn) {
        float[] w = new float[n];
        float scale = (float) Math.sqrt(2.0 / fanIn);
        for (int i = 0; i < n; i++) {
            w[i] = (float) random.nextGaussian() * scale;
        }
        return w;
    }

    /** The constant boxes: channel 0 centre x, 1 centre y, 2 width, 3 height, per cell. */
    private static float[] boxes() {
        float[] b = new float[4 * GRID * GRID];
        for (int r = 0; r < GRID; r++) {
            for (int c = 0; c < GRID; c++) {
                int i = r * GRID + c;
                b[i] = c * CELL + CELL / 2f;
                b[GRID * GRID + i] = r * CELL + CELL / 2f;
                b[2 * GRID * GRID + i] = BOX;
                b[3 * GRID * GRID + i] = BOX;
            }
        }
        return b;
    }

    private static Proto node(String name, String op, String[] inputs, String output, Proto... attributes) {
        Proto n = new Proto();
        for (String in : inputs) {
            n.string(1, in);
        }
        n.string(2, output);
        n.string(3, name);
        n.string(4, op);
        for (Proto a : attributes) {
            n.message(5, a);
        }
        return n;
    }

    private static Proto intAttr(String name, long value) {
        Proto a = new Proto();
        a.string(1, name);
        a.varint(3, value);
        a.varint(20, 2); // INT
        return a;
    }

    private static Proto ints(String name, long... values) {
        Proto a = new Proto();
        a.string(1, name);
        for (long v : values) {
            a.varint(8, v);
        }
        a.varint(20, 7); // INTS
        return a;
    }

    private static Proto floatTensor(String name, float[] data, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            raw.putFloat(f);
        }
        return tensor(name, 1, raw.array(), dims);
    }

    private static Proto longTensor(String name, long... data) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : data) {
            raw.putLong(v);
        }
        return tensor(name, 7, raw.array(), data.length);
    }

    private static Proto tensor(String name, int type, byte[] raw, long... dims) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, type);
        t.string(8, name);
        t.bytes(9, raw);
        return t;
    }

    private static Proto valueInfo(String name, long... dims) {
        Proto shape = new Proto();
        for (long d : dims) {
            Proto dim = new Proto();
            dim.varint(1, d);
            shape.message(1, dim);
        }
        Proto tensor = new Proto();
        tensor.varint(1, 1); // FLOAT
        tensor.message(2, shape);
        Proto type = new Proto();
        type.message(1, tensor);
        Proto v = new Proto();
        v.string(1, name);
        v.message(2, type);
        return v;
    }

    /** Just enough of the protobuf wire format: varints and length-delimited fields. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
        }

        void bytes(int field, byte[] value) {
            raw(((long) field << 3) | 2);
            raw(value.length);
            out.writeBytes(value);
        }

        void string(int field, String value) {
            bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        void message(int field, Proto value) {
            bytes(field, value.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
