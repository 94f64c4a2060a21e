package io.edgewatch.inference;

import java.util.List;

import org.bytedeco.opencv.opencv_core.Mat;

import io.edgewatch.core.inference.Prediction;

/**
 * A detector that runs on the calling thread: BGR pixels in, predictions in frame coordinates out.
 * Instances need not be thread-safe; {@link Detectors} gives each call in flight its own (used by
 * one thread at a time), or serialises a stateful one. The pixels are only valid during the call.
 */
public interface BlockingDetector extends AutoCloseable {

    List<Prediction> detect(Mat bgr);

    @Override
    void close();
}
