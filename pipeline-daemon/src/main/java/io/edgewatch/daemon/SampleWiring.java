package io.edgewatch.daemon;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.clock.ClockWatch;
import io.edgewatch.core.pipeline.FrameTap;
import io.edgewatch.core.sample.Sampler;
import io.edgewatch.daemon.config.CameraConfig;
import io.edgewatch.daemon.config.EdgewatchConfig;
import io.edgewatch.daemon.config.SamplesConfig;
import io.edgewatch.health.Health;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.SendersStop;
import io.edgewatch.sink.roboflow.DatasetOptions;
import io.edgewatch.sink.roboflow.DatasetSink;
import io.edgewatch.sink.roboflow.RoboflowOptions;
import io.edgewatch.sink.samples.SampleCredits;
import io.edgewatch.sink.samples.SampleSink;
import io.edgewatch.sink.samples.SampleStore;
import io.edgewatch.sink.samples.SampleTap;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What the cameras' samples share: one encoder thread (a sample is a JPEG encode of a few
 * milliseconds; its queue is bounded, a sample that finds it full is dropped and counted), the
 * store on disk, one dataset destination per Roboflow project, and each camera's sampler (a
 * duplicate gives its credit back there). Made on first use: a box without samples has none of it.
 */
final class SampleWiring implements SampleCredits, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SampleWiring.class);
    /** Samples that may wait for the encoder: a burst of a few cameras. */
    private static final int ENCODER_QUEUE = 64;

    private final EdgewatchConfig config;
    private final Outbox outbox;
    private final Health health;
    private final Map<String, Map<String, String>> metadata;
    private final Map<String, Sampler> samplers = new ConcurrentHashMap<>();
    private final Map<String, DatasetSink> datasets = new LinkedHashMap<>();
    private final SampleSink visionEvents;
    private Scheduler encoder;
    private SampleStore store;
    private final Disposable clockSteps;

    /** @param visionEvents the Vision Events destination's sample sink, or null when it is off */
    SampleWiring(EdgewatchConfig config, Outbox outbox, Health health, Map<String, Map<String, String>> metadata,
                 SampleSink visionEvents) {
        this.visionEvents = visionEvents;
        this.config = config;
        this.outbox = outbox;
        this.health = health;
        this.metadata = metadata;
        // the credits used before a step count in the corrected minute, hour and day
        this.clockSteps = ClockWatch.system().onStep(step -> samplers.values().forEach(sampler -> sampler.clockStepped(step.size())));
    }

    /** The camera's sample tap, or {@link FrameTap#NONE} when it takes no samples. */
    synchronized FrameTap tap(CameraConfig camera) {
        SamplesConfig s = camera.samples();
        if (s == null) {
            samplers.remove(camera.id());
            return FrameTap.NONE;
        }
        if (encoder == null) {
            encoder = Schedulers.newBoundedElastic(1, ENCODER_QUEUE, "edgewatch-samples");
            store = SampleStore.open(config.storage().path().resolve("samples"), config.storage().samplesMaxBytes());
            health.samples(store);
        }
        Sampler sampler = new Sampler(s.strategies(), s.limits(), health.signals(camera.id()), Clock.systemUTC(),
                new SplittableRandom());
        samplers.put(camera.id(), sampler);
        List<SampleSink> sinks = new ArrayList<>();
        sinks.add(store);
        if (s.project() != null && outbox != null && config.roboflow() != null) {
            sinks.add(dataset(s.project()).camera(s.batchPrefix(), s.recreation(), s.tags()));
        }
        boolean events = visionEvents != null && camera.visionEvents() != null && camera.visionEvents().samples();
        if (events) {
            sinks.add(visionEvents);
        }
        log.info("camera {}: samples by {} (at most {}/min, {}/h, {}/day), kept in {}{}{}", camera.id(),
                s.strategies().stream().map(st -> st.name() + " (" + st.rule().type() + ")").toList(), s.limits().perMinute(),
                s.limits().perHour(), s.limits().perDay(), store.folder(),
                s.project() == null ? "" : ", sent to the Roboflow dataset " + s.project(), events ? ", as Vision Events" : "");
        return new SampleTap(camera.id(), sampler, s.image(), encoder, sinks);
    }

    /** One sender per project, whatever batch and tags its cameras give their samples. */
    private DatasetSink dataset(String project) {
        return datasets.computeIfAbsent(project, p -> {
            RoboflowOptions rf = config.roboflow();
            DatasetOptions o = new DatasetOptions(rf.apiKey(), rf.apiUrl(), p, DatasetOptions.DEFAULT_BATCH_PREFIX,
                    DatasetOptions.Recreation.NEVER, List.of(), rf.responseTimeout(), rf.retryMin(), rf.retryMax(), rf.probeInterval());
            DatasetSink sink = new DatasetSink(outbox, o, metadata, ZoneId.systemDefault(), this);
            health.delivery(sink.destination(), sink::stopped, config.alertSustain(), "check roboflow.api_key and the project "
                    + p + " (samples.roboflow.project)");
            return sink;
        });
    }

    @Override
    public void giveBack(String cameraId, String strategy, Instant at) {
        Sampler s = samplers.get(cameraId);
        if (s != null) {
            s.giveBack(strategy, at);
        }
    }

    /** Stops the encoder and the dataset senders, all within {@code grace}: the senders at once, under its deadline. */
    synchronized void close(Duration grace) {
        clockSteps.dispose();
        long deadline = System.nanoTime() + grace.toNanos();
        if (encoder != null) {
            // the samples the stop caught being encoded are committed before the senders stop
            encoder.disposeGracefully().onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(2));
        }
        SendersStop.together(SendersStop.left(deadline), datasets.values().stream().<SendersStop.Stop>map(d -> d::close).toList());
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
