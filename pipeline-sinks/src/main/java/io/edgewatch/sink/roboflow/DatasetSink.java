package io.edgewatch.sink.roboflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.secret.ApiKeys;
import io.edgewatch.sink.outbox.JsonRestamper;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.sink.outbox.OutboxEntry;
import io.edgewatch.sink.outbox.OutboxSender;
import io.edgewatch.sink.outbox.Restamper;
import io.edgewatch.sink.samples.Envelope;
import io.edgewatch.sink.samples.Sample;
import io.edgewatch.sink.samples.SampleCredits;
import io.edgewatch.sink.samples.SampleSink;
import reactor.core.publisher.Mono;

/**
 * Samples to a Roboflow dataset, through the {@link Outbox}: {@link #accept} commits the image
 * with its upload's name, batch and tags and its annotation (the sample's predictions in
 * Roboflow's inference format) as one entry; the {@link OutboxSender} uploads the image, records
 * the image id it was given (the entry becomes the annotation alone), then sends the annotation
 * with {@code prediction=true}. A retry or a restart resumes at the step not yet done, so an image
 * is uploaded once and annotated once. A duplicate answer to a first attempt (another sample's
 * image) skips the annotation and gives the sample's credits back; to a retry, it may be this
 * sample's own upload whose answer was lost, so the image it names is annotated (a second
 * annotation is answered 409, which counts as done). Same retry, stop and dead-letter rules as
 * reports; order per camera.
 */
public final class DatasetSink implements SampleSink, AutoCloseable {

    /** The outbox destination of project {@code p} is {@code roboflow-dataset:p}. */
    public static final String DESTINATION = "roboflow-dataset";
    private static final Logger log = LoggerFactory.getLogger(DatasetSink.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Roboflow takes in a tag: 1 to 64 of these. */
    private static final Pattern TAG_CHAR = Pattern.compile("[^a-zA-Z0-9\\-_:/.\\[\\]<>{}@]");

    private final Outbox outbox;
    private final DatasetOptions options;
    private final Map<String, Map<String, String>> metadataByCamera;
    private final ZoneId zone;
    private final DatasetClient client;
    private final OutboxSender sender;
    private final SampleCredits credits;
    private final String destination;

    public DatasetSink(Outbox outbox, DatasetOptions options, Map<String, Map<String, String>> metadataByCamera, ZoneId zone,
                       SampleCredits credits) {
        this.outbox = outbox;
        this.options = options;
        this.metadataByCamera = metadataByCamera;
        this.zone = zone;
        this.credits = credits;
        this.client = new DatasetClient(options);
        this.destination = destination(options.project());
        // after a clock step, a sample's time moves and its batch follows the corrected date; flagged, it is tagged
        outbox.restamper(destination, Envelope.restamping(Set.of("sample"), new HeadRestamper(), Restamper.NONE));
        this.sender = new OutboxSender(outbox, destination, new Steps(), options.retryMin(), options.retryMax(),
                options.probeInterval(), false, 1).start();
        log.info("samples go to the Roboflow dataset {} at {} (key {}), through the outbox {}", options.project(),
                options.apiUrl(), ApiKeys.mask(options.apiKey().reveal()), outbox.file());
    }

    /** The outbox destination the samples of {@code project} wait under. */
    public static String destination(String project) {
        return DESTINATION + ":" + project;
    }

    /** The outbox destination this sink's entries wait under. */
    public String destination() {
        return destination;
    }

    /** Commits a sample with this sink's batch and tags. */
    @Override
    public void accept(Sample sample, byte[] jpeg) {
        commit(sample, jpeg, options);
    }

    /** A camera's way into this project: its own batch naming and tags (the project, key and retries are this sink's). */
    public SampleSink camera(String batchPrefix, DatasetOptions.Recreation recreation, List<String> tags) {
        DatasetOptions own = new DatasetOptions(options.apiKey(), options.apiUrl(), options.project(), batchPrefix, recreation, tags,
                options.responseTimeout(), options.retryMin(), options.retryMax(), options.probeInterval());
        return (sample, jpeg) -> commit(sample, jpeg, own);
    }

    private void commit(Sample sample, byte[] jpeg, DatasetOptions batching) {
        String local = sample.cameraId() + "-" + sample.id();
        ObjectNode head = JSON.createObjectNode().put("camera", sample.cameraId()).put("sample", sample.id())
                .put("strategy", sample.strategy()).put("at", sample.at().toString()).put("name", local + ".jpg")
                .put("batch", batching.batchName(sample.at().atZone(zone).toLocalDate()))
                // what the batch is named by, for a re-stamp after a clock step (HeadRestamper)
                .put("batch_prefix", batching.batchPrefix()).put("recreation", batching.recreation().name());
        tags(sample, batching.tags()).forEach(head.putArray("tags")::add);
        boolean detections = sample.predictions().stream().anyMatch(p -> p.box() != null) || sample.predictions().isEmpty();
        head.put("annotation_name", local + (detections ? ".json" : ".txt"));
        head.put("annotation", detections ? annotation(sample) : topClass(sample.predictions()));
        try {
            outbox.appendAll(List.of(new Outbox.NewEntry(destination, sample.cameraId(), "sample",
                    new Envelope(JSON.writeValueAsBytes(head), jpeg).pack(), sample.at())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sender.wake();
    }

    /** Configured tags, the strategy's, the camera id, its metadata values, the model (/ as -), the strategy: each once, made valid. */
    List<String> tags(Sample sample, List<String> configured) {
        Collection<String> raw = new ArrayList<>(configured);
        raw.addAll(sample.tags());
        raw.add(sample.cameraId());
        raw.addAll(metadataByCamera.getOrDefault(sample.cameraId(), Map.of()).values());
        if (sample.modelId() != null && !sample.modelId().isEmpty()) {
            raw.add(sample.modelId().replace('/', '-'));
        }
        raw.add(sample.strategy());
        Set<String> out = new LinkedHashSet<>();
        for (String t : raw) {
            String clean = TAG_CHAR.matcher(t.trim()).replaceAll("_");
            if (!clean.isEmpty()) {
                out.add(clean.length() > 64 ? clean.substring(0, 64) : clean);
            }
        }
        return List.copyOf(out);
    }

    /** Roboflow's inference format: the image's size and each box, centre-based, in pixels. */
    static String annotation(Sample sample) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("image").put("width", sample.width()).put("height", sample.height());
        ArrayNode ps = root.putArray("predictions");
        Map<String, Integer> classIds = new LinkedHashMap<>();
        int i = 0;
        for (Prediction p : sample.predictions()) {
            if (p.box() == null) {
                continue;
            }
            int classId = classIds.computeIfAbsent(p.className(), c -> classIds.size());
            ps.addObject().put("width", p.box().width()).put("height", p.box().height()).put("x", p.box().x())
                    .put("y", p.box().y()).put("confidence", p.confidence()).put("class_id", classId)
                    .put("class", p.className()).put("detection_id",
                            UUID.nameUUIDFromBytes((sample.cameraId() + "/" + sample.id() + "/" + i++).getBytes(StandardCharsets.UTF_8)).toString());
        }
        return root.toString();
    }

    private static String topClass(List<Prediction> predictions) {
        return predictions.stream().max((a, b) -> Double.compare(a.confidence(), b.confidence())).map(Prediction::className)
                .orElse("");
    }

    /**
     * A sample's header after a clock step: its {@code at} moved, its batch named again from the corrected date (a
     * header of an earlier version, without the batch's prefix and interval, keeps its batch); flagged, the tag
     * {@code clock-suspect} is added to those its upload carries.
     */
    private final class HeadRestamper implements Restamper {
        private final JsonRestamper at = JsonRestamper.of(zone, "at");

        @Override
        public byte[] restamp(String kind, byte[] header, Duration by) {
            ObjectNode head = (ObjectNode) JsonBodies.read(at.restamp(kind, header, by));
            if (head.hasNonNull("batch_prefix") && head.hasNonNull("recreation")) {
                DatasetOptions batching = options.withBatch(head.path("batch_prefix").asText(),
                        DatasetOptions.Recreation.valueOf(head.path("recreation").asText()));
                head.put("batch", batching.batchName(Instant.parse(head.path("at").asText()).atZone(zone).toLocalDate()));
            }
            return JsonBodies.bytes(head);
        }

        @Override
        public byte[] flag(String kind, byte[] header) {
            ObjectNode head = (ObjectNode) JsonBodies.read(header);
            JsonNode tags = head.get("tags");
            (tags instanceof ArrayNode a ? a : head.putArray("tags")).add("clock-suspect");
            head.put(JsonRestamper.FLAG, true);
            return JsonBodies.bytes(head);
        }
    }

    /** Upload, then annotation; the image id recorded in between. */
    private final class Steps implements OutboxSender.Transport {
        @Override
        public Mono<Void> apply(String kind, byte[] body) {
            throw new UnsupportedOperationException("sent as whole entries");
        }

        @Override
        public Mono<Void> send(OutboxEntry entry, OutboxSender.Progress progress) {
            if ("annotation".equals(entry.kind())) {
                JsonNode n = JsonBodies.read(entry.body());
                return client.annotate(n.path("image_id").asText(), n.path("annotation_name").asText(), n.path("annotation").asText());
            }
            Envelope envelope = Envelope.unpack(entry.body());
            ObjectNode head = (ObjectNode) JsonBodies.read(envelope.header());
            List<String> tags = new ArrayList<>();
            head.path("tags").forEach(t -> tags.add(t.asText()));
            return client.upload(head.path("name").asText(), head.path("batch").asText(), tags, envelope.image())
                    .flatMap(upload -> {
                        // a duplicate on a retry may be this entry's own upload, taken by the server but its answer lost (a
                        // timeout), or its image id not recorded (a stop, a full disk): it is annotated, and its credit was spent
                        if (upload.duplicate() && entry.attempts() == 0) {
                            log.info("{}: sample {} of camera {} is already in project {} (image {}): not annotated again,"
                                    + " its credit given back", destination, head.path("sample").asText(), entry.cameraId(),
                                    options.project(), upload.imageId());
                            credits.giveBack(entry.cameraId(), head.path("strategy").asText(), Instant.parse(head.path("at").asText()));
                            return Mono.<Void>empty();
                        }
                        ObjectNode rest = JSON.createObjectNode().put("image_id", upload.imageId())
                                .put("sample", head.path("sample").asText())
                                .put("annotation_name", head.path("annotation_name").asText())
                                .put("annotation", head.path("annotation").asText());
                        byte[] next;
                        try {
                            next = JSON.writeValueAsBytes(rest);
                        } catch (IOException e) {
                            return Mono.error(e);
                        }
                        return progress.step("annotation", next)
                                .then(Mono.defer(() -> client.annotate(upload.imageId(), rest.path("annotation_name").asText(),
                                        rest.path("annotation").asText())));
                    });
        }
    }

    public boolean stopped() {
        return sender.isStopped();
    }

    @Override
    public void close() {
        close(OutboxSender.DEFAULT_STOP_GRACE);
    }

    /** Closes, giving a delivery in flight up to {@code grace} to finish and record its result. */
    public void close(Duration grace) {
        sender.close(grace);
        client.close();
    }
}
