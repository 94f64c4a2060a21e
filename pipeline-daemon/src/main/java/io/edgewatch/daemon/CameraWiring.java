package io.edgewatch.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.opencv.global.opencv_core;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.aggregate.WindowOptions;
import io.edgewatch.core.inference.InferenceAdapter;
import io.edgewatch.core.pipeline.CameraPipeline;
import io.edgewatch.core.pipeline.FrameTap;
import io.edgewatch.core.pipeline.LastFrame;
import io.edgewatch.core.pipeline.PipelineOptions;
import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.daemon.config.CameraConfig;
import io.edgewatch.daemon.config.DetectorContext;
import io.edgewatch.daemon.config.InferencePool;
import io.edgewatch.daemon.config.ThreadRule;
import io.edgewatch.inference.onnx.OnnxModel;
import io.edgewatch.inference.onnx.OnnxOptions;
import io.edgewatch.inference.server.InferenceServerClient;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Wires cameras: for one {@link CameraConfig}, its source, its adapter and its pipeline to the
 * given sinks. What the detectors of several cameras share lives here: the bounded inference
 * workers, one client per Inference Server URL (it bounds the requests to that server) and one
 * ONNX Runtime session per model file, provider and input size. {@link #close()} frees them and
 * every adapter made.
 */
final class CameraWiring implements DetectorContext, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CameraWiring.class);
    /** Tasks that may wait for a worker: far more than cameras times their frames in flight. */
    private static final int WORKER_QUEUE = 100_000;

    private final InferencePool pool;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private volatile ThreadRule rule;
    private final Scheduler workers;
    private final Map<String, InferenceServerClient> servers = new LinkedHashMap<>();
    private final Map<String, OnnxModel> onnxModels = new LinkedHashMap<>();
    private final List<InferenceAdapter> adapters = new ArrayList<>();
    /** Where TensorRT keeps the engines it builds, so a restart does not build them again; null: not kept. */
    private final Path engineCache;

    CameraWiring(InferencePool pool) {
        this(pool, null);
    }

    CameraWiring(InferencePool pool, Path engineCache) {
        this.pool = pool;
        this.engineCache = engineCache;
        this.workers = Schedulers.newBoundedElastic(pool.workers(), WORKER_QUEUE, "edgewatch-inference");
    }

    /**
     * Shares the cores for the cameras that are to run ({@link ThreadRule}): OpenCV's threads per
     * call (process-wide, set here), ONNX Runtime's for sessions made from now on, and the frames in
     * flight of each camera whose file sets none. Called at start and at each reload, before wiring.
     */
    synchronized void plan(Collection<CameraConfig> cameras) {
        ThreadRule next = ThreadRule.of(pool, cores, cameras);
        if (!next.equals(rule)) {
            if (rule == null || rule.opencvThreads() != next.opencvThreads()) {
                opencv_core.setNumThreads(next.opencvThreads());
            }
            rule = next;
            if (next.cameras() > 0) {
                log.info("inference: {}", next.describe());
            }
        }
    }

    /** The camera's frames in inference at once: its file's {@code max_in_flight}, or the rule's. */
    int maxInFlight(CameraConfig camera) {
        return rule.maxInFlight(camera.inference());
    }

    /** A camera ready to run: its adapter (for its model) and its pipeline. */
    record Camera(InferenceAdapter adapter, CameraPipeline pipeline) {
    }

    /** The camera's source; nothing is opened until its pipeline runs. */
    FrameSource source(CameraConfig camera) {
        return camera.source().open(camera.id());
    }

    /**
     * The camera's adapter and pipeline on {@code source}, reporting to {@code sinks} in order; its
     * inferred frames are shown to {@code last} (the snapshot) and {@code tap} (the samples).
     *
     * @throws RuntimeException when its detector cannot be made (a model that does not load), naming why
     */
    Camera wire(CameraConfig camera, FrameSource source, List<ReportSink> sinks, LastFrame last, FrameTap tap) {
        InferenceAdapter adapter = camera.inference().create(camera.id(), this);
        synchronized (adapters) {
            adapters.add(adapter);
        }
        PipelineOptions options = new PipelineOptions(
                WindowOptions.of(camera.id(), adapter.modelId(), adapter.modelType(), camera.frequency()),
                camera.source().maxFps(), maxInFlight(camera), camera.inference().timeout());
        return new Camera(adapter, new CameraPipeline(options, source, adapter, sinks, last, tap));
    }

    /** A camera whose run ended (a reload, an error, the end of its file): its adapter is closed. Idempotent. */
    void release(InferenceAdapter adapter) {
        synchronized (adapters) {
            adapters.remove(adapter);
        }
        adapter.close();
    }

    /** Adapters made and not yet released. */
    int adaptersOpen() {
        synchronized (adapters) {
            return adapters.size();
        }
    }

    @Override
    public Scheduler workers() {
        return workers;
    }

    @Override
    public synchronized InferenceServerClient server(String url, Duration timeout) {
        return servers.computeIfAbsent(url, u -> new InferenceServerClient(u, pool.serverMaxInFlight(), timeout));
    }

    @Override
    public synchronized OnnxModel onnx(OnnxOptions o) {
        String key = o.model().toAbsolutePath().normalize() + "|" + o.providers() + "|" + o.inputSize();
        return onnxModels.computeIfAbsent(key, k -> OnnxModel.load(o.model(), o.providers(), rule.onnxThreads(), o.inputSize(),
                engineCache));
    }

    /** Under the lock {@link #server} and {@link #onnx} take: a camera wired meanwhile cannot change the caches under it. */
    @Override
    public synchronized void close() {
        synchronized (adapters) {
            adapters.forEach(InferenceAdapter::close);
        }
        servers.values().forEach(InferenceServerClient::close);
        onnxModels.values().forEach(OnnxModel::close);
        workers.dispose();
    }
}
