package io.edgewatch.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

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
import io.edgewatch.daemon.config.OnnxDetector;
import io.edgewatch.daemon.config.ThreadRule;
import io.edgewatch.inference.onnx.OnnxModel;
import io.edgewatch.inference.onnx.OnnxOptions;
import io.edgewatch.inference.server.InferenceServerClient;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Wires cameras: for one {@link CameraConfig}, its source, its adapter and its pipeline to the
 * given sinks. What the detectors of several cameras share lives here: the bounded inference
 * workers, one client per Inference Server URL and timeout (it bounds the requests to that
 * server) and one ONNX Runtime session per model content (its SHA-256, read again when the
 * file's path, size or modification time change), provider and input size. Each shared one is
 * counted by the cameras holding it and closed when the last of them is released, so a removed
 * camera's session does not live until the exit and a model replaced at the same path is loaded
 * anew ({@link #modelChanged}). {@link #plan} gives the running cameras their new frames in
 * flight. {@link #close()} frees what is left and every adapter made.
 */
final class CameraWiring implements DetectorContext, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CameraWiring.class);
    /** Tasks that may wait for a worker: far more than cameras times their frames in flight. */
    private static final int WORKER_QUEUE = 100_000;

    private final InferencePool pool;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private volatile ThreadRule rule;
    private final Scheduler workers;
    /** Guarded by this, as are {@link #onnxModels}, {@link #held}, {@link #digests} and {@link #acquiring}. */
    private final Map<String, Shared<InferenceServerClient>> servers = new LinkedHashMap<>();
    private final Map<String, Shared<OnnxModel>> onnxModels = new LinkedHashMap<>();
    /** Every adapter made and not released: its camera, pipeline and the shared parts it holds. */
    private final Map<InferenceAdapter, Held> held = new LinkedHashMap<>();
    /** Model files' SHA-256, by path, with the size and modification time they were read at. */
    private final Map<Path, Digest> digests = new HashMap<>();
    /** The shared parts the adapter being made takes; null outside {@link #wire}. */
    private List<Shared<?>> acquiring;
    private final AtomicInteger onnxLoads = new AtomicInteger();

    /** A client or session shared by cameras: closed when the last one holding it is released. */
    private static final class Shared<T extends AutoCloseable> {
        final String key;
        final T value;
        int users;

        Shared(String key, T value) {
            this.key = key;
            this.value = value;
        }
    }

    private record Held(CameraConfig camera, CameraPipeline pipeline, List<Shared<?>> parts) {
    }

    private record Digest(long size, FileTime modified, String sha256) {
    }
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
        // the running cameras take their new share too, without a restart
        for (Held h : held.values()) {
            if (!cameras.contains(h.camera())) {
                continue; // stopping, or restarted with another file
            }
            int frames = maxInFlight(h.camera());
            if (frames != h.pipeline().maxInFlight()) {
                log.info("camera {}: {} frame(s) in flight, was {}", h.camera().id(), frames, h.pipeline().maxInFlight());
                h.pipeline().maxInFlight(frames);
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
    synchronized Camera wire(CameraConfig camera, FrameSource source, List<ReportSink> sinks, LastFrame last, FrameTap tap) {
        acquiring = new ArrayList<>();
        InferenceAdapter adapter;
        List<Shared<?>> parts = acquiring;
        try {
            adapter = camera.inference().create(camera.id(), this);
        } catch (RuntimeException e) {
            closeAll(drop(parts));
            throw e;
        } finally {
            acquiring = null;
        }
        PipelineOptions options = new PipelineOptions(
                WindowOptions.of(camera.id(), adapter.modelId(), adapter.modelType(), camera.frequency()),
                camera.source().maxFps(), maxInFlight(camera), camera.inference().timeout());
        CameraPipeline pipeline = new CameraPipeline(options, source, adapter, sinks, last, tap);
        held.put(adapter, new Held(camera, pipeline, parts));
        return new Camera(adapter, pipeline);
    }

    /**
     * A camera whose run ended (a reload, an error, the end of its file): its adapter is closed,
     * and each shared part it held that no other camera holds (waiting, for an ONNX session, for
     * the runs still on it). Idempotent; it may wait: call it off the pipelines' threads.
     */
    void release(InferenceAdapter adapter) {
        List<Shared<?>> unused;
        synchronized (this) {
            Held h = held.remove(adapter);
            unused = h == null ? List.of() : drop(h.parts());
        }
        adapter.close();
        closeAll(unused);
    }

    /** One user less of each of {@code parts}; those no one holds now leave their cache (the caller closes them). */
    private List<Shared<?>> drop(List<Shared<?>> parts) {
        List<Shared<?>> unused = new ArrayList<>();
        for (Shared<?> p : parts) {
            if (--p.users == 0) {
                servers.remove(p.key, p);
                onnxModels.remove(p.key, p);
                if (p.value instanceof OnnxModel m) {
                    digests.remove(m.file());
                }
                unused.add(p);
            }
        }
        return unused;
    }

    private static void closeAll(List<Shared<?>> unused) {
        for (Shared<?> p : unused) {
            try {
                p.value.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", p.key, e.toString());
            }
        }
    }

    /** Adapters made and not yet released. */
    synchronized int adaptersOpen() {
        return held.size();
    }

    /** The frames in flight {@code adapter}'s camera is held to now; 0 when released. */
    synchronized int framesInFlight(InferenceAdapter adapter) {
        Held h = held.get(adapter);
        return h == null ? 0 : h.pipeline().maxInFlight();
    }

    /** ONNX Runtime sessions open now. */
    synchronized int onnxSessionsOpen() {
        return onnxModels.size();
    }

    /** ONNX Runtime sessions loaded since the start. */
    int onnxSessionsLoaded() {
        return onnxLoads.get();
    }

    /** Inference Server clients open now. */
    synchronized int serverClientsOpen() {
        return servers.size();
    }

    /**
     * Whether the model file of {@code adapter}'s camera now holds other content than the session
     * it runs on (a model replaced at the same path): a reload restarts that camera on a new one.
     */
    synchronized boolean modelChanged(InferenceAdapter adapter) {
        Held h = held.get(adapter);
        if (h == null || !(h.camera().inference() instanceof OnnxDetector o) || o.options() == null) {
            return false;
        }
        for (Shared<?> p : h.parts()) {
            if (p.value instanceof OnnxModel) {
                try {
                    return !p.key.equals(onnxKey(o.options()));
                } catch (IllegalArgumentException e) {
                    return false; // unreadable now: the camera goes on with what it has
                }
            }
        }
        return false;
    }

    @Override
    public Scheduler workers() {
        return workers;
    }

    @Override
    public synchronized InferenceServerClient server(String url, Duration timeout) {
        String key = url + "|" + timeout;
        return take(servers.computeIfAbsent(key, k -> new Shared<>(k, new InferenceServerClient(url, pool.serverMaxInFlight(), timeout))));
    }

    @Override
    public synchronized OnnxModel onnx(OnnxOptions o) {
        String key = onnxKey(o);
        return take(onnxModels.computeIfAbsent(key, k -> {
            onnxLoads.incrementAndGet();
            return new Shared<>(k, OnnxModel.load(o.model(), o.providers(), rule.onnxThreads(), o.inputSize(),
                    engineCache));
        }));
    }

    private <T extends AutoCloseable> T take(Shared<T> part) {
        part.users++;
        if (acquiring != null) {
            acquiring.add(part);
        }
        return part.value;
    }

    /** What an ONNX session is shared by: the model's content, provider and input size. */
    private String onnxKey(OnnxOptions o) {
        return "onnx:" + sha256(o.model()) + "|" + o.providers() + "|" + o.inputSize();
    }

    /** The file's SHA-256, read again only when its path, size or modification time are new. */
    private String sha256(Path file) {
        Path path = file.toAbsolutePath().normalize();
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            Digest d = digests.get(path);
            if (d == null || d.size() != a.size() || !d.modified().equals(a.lastModifiedTime())) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (InputStream in = new DigestInputStream(Files.newInputStream(path), sha)) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                d = new Digest(a.size(), a.lastModifiedTime(), HexFormat.of().formatHex(sha.digest()));
                digests.put(path, d);
            }
            return d.sha256();
        } catch (IOException e) {
            throw new IllegalArgumentException("ONNX model " + path + " cannot be read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Under the lock {@link #server} and {@link #onnx} take: a camera wired meanwhile cannot change the caches under it. */
    @Override
    public synchronized void close() {
        held.keySet().forEach(InferenceAdapter::close);
        held.clear();
        servers.values().forEach(p -> p.value.close());
        onnxModels.values().forEach(p -> p.value.close());
        servers.clear();
        onnxModels.clear();
        workers.dispose();
    }
}
