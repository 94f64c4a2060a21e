package io.edgewatch.daemon.config;

import java.time.Duration;

import io.edgewatch.inference.onnx.OnnxModel;
import io.edgewatch.inference.onnx.OnnxOptions;
import io.edgewatch.inference.server.InferenceServerClient;
import reactor.core.scheduler.Scheduler;

/** What detectors of several cameras share, handed to {@link InferenceConfig#create}. */
public interface DetectorContext {

    /** The bounded worker pool blocking detectors run on ({@code inference.workers}). */
    Scheduler workers();

    /** The one client of the Inference Server at {@code url}, shared by its cameras (it bounds the requests to it). */
    InferenceServerClient server(String url, Duration timeout);

    /** The one ONNX Runtime session of the model file, provider and input size, shared by its cameras. */
    OnnxModel onnx(OnnxOptions options);
}
