package io.edgewatch.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerJson;
import io.edgewatch.sink.broker.BrokerMessage;
import io.edgewatch.sink.broker.BrokerOptions;
import io.edgewatch.sink.broker.BrokerSink;
import io.edgewatch.sink.kafka.KafkaOptions;
import io.edgewatch.sink.kafka.KafkaTransport;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.testkit.KafkaBroker;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The broker destinations against plain producer loops, in one run, on a real single-node Kafka broker (a child
 * process, {@link KafkaBroker}).
 *
 * <p>Backlog: one box's outbox holding {@code windows} windows of 8 cameras (committed beforehand, not timed) drained
 * into Kafka by the kafka destination ({@link BrokerSink} over {@link KafkaTransport}: read from disk, one record per
 * camera in flight, deleted once acknowledged), against a plain {@link KafkaProducer} loop with the same producer
 * settings sending the same bodies with the same keys and headers under the same rule (8 threads, one per camera, the
 * next record once the last was acknowledged): messages per second, and their ratio. A third line, printed for
 * reference only, sends all of them at once without waiting (the producer batches: what Kafka takes when neither order
 * across retries nor delete-after-ack matter). Each contender runs once to warm up, then {@code runs} times, alternating;
 * medians.
 *
 * <p>Fleet: 200 boxes of 8 cameras sending 1-minute windows for a simulated day ({@code hours}) into one topic, in this
 * one process, through 8 pooled producers (box i uses producer i mod 8; each a {@link KafkaTransport}, the client the
 * daemon uses, each camera one record in flight). Then the topic is read back: every message once, each camera's
 * windows in order, and the broker's log bytes per camera per day.
 *
 * <p>Usage: {@code BrokerBenchmark [windows] [runs] [hours]} (10000, 5, 24; 0 windows or 0 hours skips that part).
 */
public final class BrokerBenchmark {

    private static final int CAMERAS = 8;
    private static final int BOXES = 200;
    private static final int POOL = 8;

    private BrokerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int windows = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        double hours = args.length > 2 ? Double.parseDouble(args[2]) : 24;
        Path work = Files.createTempDirectory("edgewatch-broker-bench");
        try (KafkaBroker broker = KafkaBroker.plain(work.resolve("kafka"), CAMERAS).start()) {
            if (windows > 0) {
                backlog(broker, work, windows, runs);
            }
            if (hours > 0) {
                fleet(broker, hours);
            }
        } finally {
            // a day of a fleet is 3.9 GB of broker log
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    // ---- backlog -------------------------------------------------------------------------------------------------

    private static void backlog(KafkaBroker broker, Path work, int windows, int runs) throws Exception {
        Instant start = Instant.parse("2026-12-07T00:00:00Z");
        List<Outbox.NewEntry> entries = new ArrayList<>();
        for (int i = 0; entries.size() < windows; i++) {
            for (int c = 0; c < CAMERAS && entries.size() < windows; c++) {
                String cam = "cam-" + c;
                byte[] body = BrokerJson.window(report(cam, start.plusSeconds(5L * i)), "bench-box",
                        Map.of("site", "bench", "line", "1"), BrokerJson.uuidV7());
                entries.add(new Outbox.NewEntry(KafkaOptions.DESTINATION, cam, BrokerJson.WINDOW, body));
            }
        }
        int bodyBytes = entries.get(0).body().length;
        System.out.printf(Locale.ROOT, "edgewatch broker benchmark: Kafka %s (single node, KRaft, a child process)%n",
                broker.bootstrap());
        System.out.printf(Locale.ROOT, "backlog: %d windows of %d cameras (%d bytes each), acks=all, idempotent, linger 0; a warm-up, then %d runs each%n",
                windows, CAMERAS, bodyBytes, runs);
        for (String t : List.of("bench.edgewatch", "bench.plain", "bench.async")) {
            broker.createTopic(t, CAMERAS);
        }
        // one round of each first, not counted: the JIT (C1 in the package's JVM options), SQLite's page cache and the
        // broker warm up on it alike
        drain(broker, work.resolve("outbox-warm-up"), entries);
        plainLoop(broker, entries);
        asyncLoop(broker, entries);
        double[] ours = new double[runs];
        double[] plain = new double[runs];
        double[] async = new double[runs];
        for (int r = 0; r < runs; r++) {
            ours[r] = drain(broker, work.resolve("outbox-" + r), entries);
            plain[r] = plainLoop(broker, entries);
            async[r] = asyncLoop(broker, entries);
            System.out.printf(Locale.ROOT, "  run %d: edgewatch %.0f msg/s, plain loop %.0f msg/s, all at once %.0f msg/s%n", r + 1,
                    ours[r], plain[r], async[r]);
        }
        double o = median(ours);
        double p = median(plain);
        System.out.printf(Locale.ROOT, "backlog drained, kafka destination (outbox -> BrokerSink -> KafkaTransport): %.0f msg/s%n", o);
        System.out.printf(Locale.ROOT, "plain KafkaProducer loop, same bodies, one per camera in flight:       %.0f msg/s%n", p);
        System.out.printf(Locale.ROOT, "ratio edgewatch / plain loop: %.2f (target >= 0.8)%n", o / p);
        System.out.printf(Locale.ROOT, "for reference, a plain producer sending all at once (batched, no order across retries): %.0f msg/s%n",
                median(async));
    }

    private static KafkaOptions options(KafkaBroker broker, String topic) {
        return new KafkaOptions(BrokerOptions.of(KafkaOptions.DESTINATION, "bench-box").withMaxInFlight(CAMERAS),
                broker.bootstrap(), topic, null, null, Map.of(), "edgewatch-bench");
    }

    private static double drain(KafkaBroker broker, Path folder, List<Outbox.NewEntry> entries) throws Exception {
        try (Outbox outbox = Outbox.open(folder, 1_000_000, Clock.systemUTC())) {
            for (int i = 0; i < entries.size(); i += 1000) {
                outbox.appendAll(entries.subList(i, Math.min(entries.size(), i + 1000)));
            }
            KafkaOptions options = options(broker, "bench.edgewatch");
            long t0 = System.nanoTime();
            BrokerSink sink = BrokerSink.start(outbox, options, BrokerContext.NONE, Map.of());
            try {
                while (outbox.report(List.of(KafkaOptions.DESTINATION)).get(0).depth() > 0) {
                    Thread.sleep(5);
                }
                long t1 = System.nanoTime();
                return entries.size() / ((t1 - t0) / 1e9);
            } finally {
                sink.close(Duration.ofSeconds(5));
            }
        }
    }

    private static ProducerRecord<String, byte[]> record(String topic, Outbox.NewEntry e) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, e.cameraId(), e.body());
        r.headers().add(KafkaTransport.ID_HEADER, BrokerJson.messageId(e.body()).getBytes(StandardCharsets.UTF_8));
        r.headers().add(KafkaTransport.SCHEMA_HEADER, Integer.toString(BrokerJson.SCHEMA_VERSION).getBytes(StandardCharsets.UTF_8));
        return r;
    }

    private static double plainLoop(KafkaBroker broker, List<Outbox.NewEntry> entries) throws Exception {
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(options(broker, "bench.plain").producerProperties())) {
            ExecutorService threads = Executors.newFixedThreadPool(CAMERAS);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CAMERAS; c++) {
                String cam = "cam-" + c;
                done.add(threads.submit(() -> {
                    for (Outbox.NewEntry e : entries) {
                        if (e.cameraId().equals(cam)) {
                            producer.send(record("bench.plain", e)).get();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            threads.shutdown();
            return entries.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static double asyncLoop(KafkaBroker broker, List<Outbox.NewEntry> entries) {
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(options(broker, "bench.async").producerProperties())) {
            AtomicLong failed = new AtomicLong();
            for (Outbox.NewEntry e : entries) {
                producer.send(record("bench.async", e), (m, x) -> {
                    if (x != null) {
                        failed.incrementAndGet();
                    }
                });
            }
            producer.flush();
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " records failed");
            }
            return entries.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    // ---- fleet ---------------------------------------------------------------------------------------------------

    private static void fleet(KafkaBroker broker, double hours) throws Exception {
        String topic = "fleet.windows";
        int partitions = 16;
        broker.createTopic(topic, partitions);
        int minutes = (int) Math.round(hours * 60);
        int cameras = BOXES * CAMERAS;
        Instant day = Instant.parse("2026-12-07T00:00:00Z");
        System.out.printf(Locale.ROOT, "fleet: %d boxes x %d cameras, 1-minute windows for %.1f h (%d each, %,d messages) into one topic"
                + " of %d partitions; one process, %d pooled producers (box i -> producer i mod %d), each camera one record in flight%n",
                BOXES, CAMERAS, hours, minutes, (long) minutes * cameras, partitions, POOL, POOL);
        List<KafkaTransport> pool = new ArrayList<>();
        for (int i = 0; i < POOL; i++) {
            pool.add(new KafkaTransport(new KafkaOptions(BrokerOptions.of(KafkaOptions.DESTINATION, "fleet"), broker.bootstrap(), topic,
                    null, null, Map.of(), "edgewatch-fleet-" + i)));
        }
        AtomicLong wireBytes = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        long t0 = System.nanoTime();
        Flux.range(0, cameras)
                .flatMap(cam -> {
                    int box = cam / CAMERAS;
                    String id = String.format(Locale.ROOT, "box%03d-cam%d", box, cam % CAMERAS);
                    KafkaTransport producer = pool.get(box % POOL);
                    return Flux.range(0, minutes).concatMap(m -> {
                        byte[] body = BrokerJson.window(report(id, day.plusSeconds(60L * m + 60)), String.format(Locale.ROOT,
                                "box%03d", box), Map.of("site", "fleet"), BrokerJson.uuidV7());
                        wireBytes.addAndGet(body.length + id.length());
                        BrokerMessage message = new BrokerMessage(id, BrokerJson.WINDOW, BrokerJson.messageId(body), body);
                        // as the outbox does: a failed publish is sent again (the same message id), nothing after it first
                        return Mono.defer(() -> producer.publish(message))
                                .doOnError(e -> retries.incrementAndGet())
                                .retryWhen(Retry.backoff(20, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2)));
                    });
                }, cameras)
                .blockLast(Duration.ofHours(6));
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.forEach(p -> p.close(Duration.ofSeconds(5)));
        long sent = (long) minutes * cameras;
        System.out.printf(Locale.ROOT, "fleet sent and acknowledged: %,d messages in %.1f s (%.0f msg/s), %d publishes retried%n", sent,
                seconds, sent / seconds, retries.get());

        // read back: every message once, each camera's windows in order
        BitSet[] seen = new BitSet[cameras];
        int[] last = new int[cameras];
        Arrays.fill(last, -1);
        long[] dup = new long[1];
        long[] order = new long[1];
        long[] other = new long[1];
        long read = broker.read(topic, m -> {
            int cam = Integer.parseInt(m.key().substring(3, 6)) * CAMERAS + (m.key().charAt(m.key().length() - 1) - '0');
            String text = m.text();
            int at = text.indexOf("\"window_end\":\"") + 14;
            Instant end = Instant.parse(text.substring(at, text.indexOf('"', at)));
            int minute = (int) ((end.getEpochSecond() - day.getEpochSecond()) / 60) - 1;
            if (!text.contains("\"camera_id\":\"" + m.key() + "\"")) {
                other[0]++;
            }
            BitSet s = seen[cam] == null ? (seen[cam] = new BitSet(minutes)) : seen[cam];
            if (s.get(minute)) {
                dup[0]++;
                return;
            }
            s.set(minute);
            if (minute < last[cam]) {
                order[0]++;
            }
            last[cam] = Math.max(last[cam], minute);
        });
        long missing = 0;
        for (int c = 0; c < cameras; c++) {
            missing += minutes - (seen[c] == null ? 0 : seen[c].cardinality());
        }
        long disk = broker.bytesOnDisk(topic);
        double perCameraDay = disk / (double) cameras * (24 * 60.0 / minutes);
        System.out.printf(Locale.ROOT, "fleet read back: %,d records; missing %d, duplicates %d, order violations %d, key/camera mismatches %d%n",
                read, missing, dup[0], order[0], other[0]);
        System.out.printf(Locale.ROOT, "broker-side bytes (log segments, uncompressed): %,d in all, %,.0f per camera per day (%.1f MB);"
                + " record key+value %,.0f bytes per camera per day%n", disk, perCameraDay, perCameraDay / 1e6,
                wireBytes.get() / (double) cameras * (24 * 60.0 / minutes));
    }

    // ---- bodies --------------------------------------------------------------------------------------------------

    private static WindowReport report(String camera, Instant end) {
        List<ClassResult> results = List.of(
                new ClassResult("people/3", "person", 0.91, "6a1a3f0e-9c1b-4a43-8f35-0c1d2e3f4a5b", "object-detection"),
                new ClassResult("people/3", "bicycle", 0.55, "7b2b4f1f-0d2c-4b54-9046-1d2e3f4a5b6c", "object-detection"));
        List<ClassStats> stats = List.of(new ClassStats("person", 212, 118, 0.41, 0.78, 0.91),
                new ClassStats("bicycle", 14, 12, 0.42, 0.5, 0.55));
        LatencyStats latency = new LatencyStats(125, 18.2, 17.5, 24.1, 29.8, 31.0, null);
        return new WindowReport(camera, "people/3", "object-detection", end.minusSeconds(60), end, 125, 125, 0, 0,
                Map.of(), Map.of(), results, stats, latency, latency, latency);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
