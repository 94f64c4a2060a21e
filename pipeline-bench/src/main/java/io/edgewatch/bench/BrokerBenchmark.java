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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import io.edgewatch.core.aggregate.ClassResult;
import io.edgewatch.core.aggregate.ClassStats;
import io.edgewatch.core.aggregate.LatencyStats;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.broker.BrokerJson;
import io.edgewatch.sink.broker.BrokerMessage;
import io.edgewatch.sink.broker.BrokerOptions;
import io.edgewatch.sink.broker.BrokerSink;
import io.edgewatch.sink.kafka.KafkaOptions;
import io.edgewatch.sink.kafka.KafkaTransport;
import io.edgewatch.sink.mqtt.MqttOptions;
import io.edgewatch.sink.mqtt.MqttTopics;
import io.edgewatch.sink.outbox.Outbox;
import io.edgewatch.testkit.KafkaBroker;
import io.edgewatch.testkit.Mosquitto;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The broker destinations against plain producer loops, in one run, on a real single-node Kafka broker and Debian's
 * mosquitto (child processes, {@link KafkaBroker}, {@link Mosquitto}).
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
 * <p>The same backlog (its bodies) drained into mosquitto by the mqtt destination ({@link BrokerSink} over
 * {@link io.edgewatch.sink.mqtt.MqttBrokerClient}: MQTT 5, QoS 1, one publish per camera in flight, each entry deleted
 * on its PUBACK; after each window the client also publishes the camera's retained state, as it does in the daemon),
 * against a plain HiveMQ async-client loop publishing the same bodies to the same topics, QoS 1, with the same
 * {@code message_id} user property, under the same rule (per camera, the next once the last was acknowledged). A
 * subscriber (QoS 1) counts the windows of every run by message id: each must arrive once. A warm-up each, then
 * {@code runs} alternating; medians; then one run, for reference, of the plain loop publishing a retained state after each
 * PUBACK too. All of it twice: on mosquitto as Debian ships it ({@code set_tcp_nodelay false}: Nagle's algorithm on its
 * sockets), then with {@code set_tcp_nodelay true}. The Kafka broker is not running meanwhile.
 *
 * <p>Fleet: 200 boxes of 8 cameras sending 1-minute windows for a simulated day ({@code hours}) into one topic, in this
 * one process, through 8 pooled producers (box i uses producer i mod 8; each a {@link KafkaTransport}, the client the
 * daemon uses, each camera one record in flight). Then the topic is read back: every message once, each camera's
 * windows in order, and the broker's log bytes per camera per day.
 *
 * <p>Usage: {@code BrokerBenchmark [windows] [runs] [hours] [brokers]} (10000, 5, 24, {@code both}; 0 windows or 0 hours
 * skips that part; brokers {@code kafka} or {@code mqtt} runs the backlog of that one only, the fleet being Kafka's).
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
        String brokers = args.length > 3 ? args[3] : "both";
        if (!List.of("both", "kafka", "mqtt").contains(brokers)) {
            throw new IllegalArgumentException("brokers is both, kafka or mqtt, not " + brokers);
        }
        boolean kafka = !brokers.equals("mqtt");
        boolean mqtt = !brokers.equals("kafka");
        Path work = Files.createTempDirectory("edgewatch-broker-bench");
        try {
            if (windows > 0 && mqtt) {
                mqttBacklog(work, windows, runs);
            }
            if ((windows > 0 && kafka) || hours > 0) {
                try (KafkaBroker broker = KafkaBroker.plain(work.resolve("kafka"), CAMERAS).start()) {
                    if (windows > 0 && kafka) {
                        backlog(broker, work, windows, runs);
                    }
                    if (hours > 0) {
                        fleet(broker, hours);
                    }
                }
            }
        } finally {
            // a day of a fleet is 3.9 GB of broker log
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    // ---- backlog -------------------------------------------------------------------------------------------------

    /** {@code windows} windows of {@value #CAMERAS} cameras in turn, as outbox entries of {@code destination}. */
    private static List<Outbox.NewEntry> backlogEntries(String destination, int windows) {
        Instant start = Instant.parse("2026-12-07T00:00:00Z");
        List<Outbox.NewEntry> entries = new ArrayList<>();
        for (int i = 0; entries.size() < windows; i++) {
            for (int c = 0; c < CAMERAS && entries.size() < windows; c++) {
                String cam = "cam-" + c;
                byte[] body = BrokerJson.window(report(cam, start.plusSeconds(5L * i)), "bench-box",
                        Map.of("site", "bench", "line", "1"), BrokerJson.uuidV7());
                entries.add(new Outbox.NewEntry(destination, cam, BrokerJson.WINDOW, body));
            }
        }
        return entries;
    }

    private static void backlog(KafkaBroker broker, Path work, int windows, int runs) throws Exception {
        List<Outbox.NewEntry> entries = backlogEntries(KafkaOptions.DESTINATION, windows);
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
        drain(options(broker, "bench.edgewatch"), work.resolve("outbox-warm-up"), entries);
        plainLoop(broker, entries);
        asyncLoop(broker, entries);
        double[] ours = new double[runs];
        double[] plain = new double[runs];
        double[] async = new double[runs];
        for (int r = 0; r < runs; r++) {
            ours[r] = drain(options(broker, "bench.edgewatch"), work.resolve("outbox-" + r), entries);
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

    /** Commits {@code entries} (not timed), then times {@code destination}'s sink draining them, from its start to an empty outbox. */
    private static double drain(BrokerDestination destination, Path folder, List<Outbox.NewEntry> entries) throws Exception {
        try (Outbox outbox = Outbox.open(folder, 1_000_000, Clock.systemUTC())) {
            for (int i = 0; i < entries.size(); i += 1000) {
                outbox.appendAll(entries.subList(i, Math.min(entries.size(), i + 1000)));
            }
            String name = destination.broker().destination();
            long t0 = System.nanoTime();
            BrokerSink sink = BrokerSink.start(outbox, destination, BrokerContext.NONE, Map.of());
            try {
                while (outbox.report(List.of(name)).get(0).depth() > 0) {
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

    // ---- backlog into mosquitto -----------------------------------------------------------------------------------

    private static final String DEVICE = "bench-box";

    private static void mqttBacklog(Path work, int windows, int runs) throws Exception {
        if (!Mosquitto.installed()) {
            System.out.println("mqtt: /usr/sbin/mosquitto is not installed (scripts/install-test-deps installs it): skipped");
            return;
        }
        List<Outbox.NewEntry> entries = backlogEntries(MqttOptions.DESTINATION, windows);
        // mosquitto as Debian ships it (Nagle's algorithm on its sockets: set_tcp_nodelay false), then with it off
        mqttBacklog(work.resolve("mosquitto"), entries, runs, false);
        mqttBacklog(work.resolve("mosquitto-nodelay"), entries, runs, true);
    }

    private static void mqttBacklog(Path work, List<Outbox.NewEntry> entries, int runs, boolean noDelay) throws Exception {
        int windows = entries.size();
        Set<String> ids = entries.stream().map(e -> BrokerJson.messageId(e.body())).collect(Collectors.toUnmodifiableSet());
        MqttTopics topics = new MqttTopics(MqttOptions.DEFAULT_TOPIC_PREFIX, DEVICE);
        // no cap on what mosquitto queues for the counting subscriber (1000 by default, beyond which QoS 1 is dropped)
        String[] conf = noDelay ? new String[] {"max_queued_messages 0", "set_tcp_nodelay true"} : new String[] {"max_queued_messages 0"};
        try (Mosquitto broker = Mosquitto.start(work, conf);
             Counter counter = new Counter(broker.port(), topics.root() + "/+/window", ids)) {
            System.out.printf(Locale.ROOT, "edgewatch broker benchmark: mosquitto %s (Debian's, a child process, persistence off, %s)%n",
                    broker.url(), noDelay ? "set_tcp_nodelay true" : "set_tcp_nodelay false as shipped: Nagle's algorithm on");
            System.out.printf(Locale.ROOT, "backlog: %d windows of %d cameras (%d bytes each), MQTT 5, QoS 1, topics %s/CAMERA/window;"
                    + " a subscriber counts each run's windows by message_id; a warm-up, then %d runs each%n", windows, CAMERAS,
                    entries.get(0).body().length, topics.root(), runs);
            counter.reset();
            drain(mqttOptions(broker), work.resolve("outbox-warm-up"), entries);
            counter.check("warm-up, edgewatch");
            counter.reset();
            plainMqttLoop(broker, topics, entries, false);
            counter.check("warm-up, plain loop");
            double[] ours = new double[runs];
            double[] plain = new double[runs];
            for (int r = 0; r < runs; r++) {
                counter.reset();
                ours[r] = drain(mqttOptions(broker), work.resolve("outbox-" + r), entries);
                String oursArrived = counter.check("run " + (r + 1) + ", edgewatch");
                counter.reset();
                plain[r] = plainMqttLoop(broker, topics, entries, false);
                String plainArrived = counter.check("run " + (r + 1) + ", plain loop");
                System.out.printf(Locale.ROOT, "  run %d: edgewatch %.0f msg/s, plain loop %.0f msg/s (arrived: %s; %s)%n", r + 1,
                        ours[r], plain[r], oursArrived, plainArrived);
            }
            double o = median(ours);
            double p = median(plain);
            System.out.printf(Locale.ROOT, "backlog drained, mqtt destination (outbox -> BrokerSink -> MqttBrokerClient): %.0f msg/s%n", o);
            System.out.printf(Locale.ROOT, "plain HiveMQ async-client loop, same bodies and topics, QoS 1, one per camera in flight: %.0f msg/s%n", p);
            System.out.printf(Locale.ROOT, "ratio edgewatch / plain loop: %.2f (target >= 0.8)%n", o / p);
            System.out.printf(Locale.ROOT, "subscriber, over the %d rounds of each: missing %d, duplicates %d%n", runs + 1,
                    counter.missingTotal, counter.duplicatesTotal);
            // one run, for reference: the plain loop doing what the destination's client does beside the windows
            counter.reset();
            double withState = plainMqttLoop(broker, topics, entries, true);
            counter.check("plain loop with states");
            System.out.printf(Locale.ROOT, "for reference, one run: the plain loop also publishing each camera's retained state after"
                    + " each PUBACK (as the destination does): %.0f msg/s%n", withState);
        }
    }

    private static MqttOptions mqttOptions(Mosquitto broker) {
        return MqttOptions.of("127.0.0.1", broker.port(), "edgewatch-bench", DEVICE)
                .withBroker(BrokerOptions.of(MqttOptions.DESTINATION, DEVICE).withMaxInFlight(CAMERAS));
    }

    /**
     * HiveMQ's async client, MQTT 5, one connection: per camera, the next publish once the last was acknowledged; with
     * {@code state}, after each acknowledgement also a retained state of the camera (QoS 1, not waited for), as the
     * destination's client publishes one.
     */
    private static double plainMqttLoop(Mosquitto broker, MqttTopics topics, List<Outbox.NewEntry> entries, boolean state)
            throws Exception {
        Map<String, List<Outbox.NewEntry>> byCamera = entries.stream()
                .collect(Collectors.groupingBy(Outbox.NewEntry::cameraId, java.util.LinkedHashMap::new, Collectors.toList()));
        long t0 = System.nanoTime();
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("edgewatch-bench-plain")
                .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
        client.connectWith().cleanStart(true).sessionExpiryInterval(0).send().get(10, TimeUnit.SECONDS);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (List<Outbox.NewEntry> camera : byCamera.values()) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                publishFrom(client, topics, camera, 0, state, f);
                done.add(f);
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            return entries.size() / ((System.nanoTime() - t0) / 1e9);
        } finally {
            client.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    private static void publishFrom(Mqtt5AsyncClient client, MqttTopics topics, List<Outbox.NewEntry> camera, int i,
                                    boolean state, CompletableFuture<Void> done) {
        if (i == camera.size()) {
            done.complete(null);
            return;
        }
        Outbox.NewEntry e = camera.get(i);
        client.publishWith().topic(topics.window(e.cameraId())).qos(MqttQos.AT_LEAST_ONCE).payload(e.body())
                .contentType("application/json").payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                .userProperties().add("message_id", BrokerJson.messageId(e.body())).applyUserProperties()
                .send()
                .whenComplete((result, x) -> {
                    Throwable failed = x != null ? x : result.getError().orElse(null);
                    if (failed != null) {
                        done.completeExceptionally(failed);
                    } else {
                        if (state) {
                            // as the destination's client does after each window: the retained state, not waited for
                            client.publishWith().topic(topics.state(e.cameraId())).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                                    .payload(stateBody(e.cameraId())).send();
                        }
                        publishFrom(client, topics, camera, i + 1, state, done);
                    }
                });
    }

    /** A retained state of the size the destination's client publishes (about 250 bytes). */
    private static byte[] stateBody(String camera) {
        return ("{\"camera_id\":\"" + camera + "\",\"source_state\":\"unknown\",\"fps\":2.1,\"fps_inferred\":2.1,"
                + "\"window_end\":\"2026-12-07T00:01:00Z\",\"inference_errors\":0,\"counts\":{\"person\":212,\"bicycle\":14},"
                + "\"message_id\":\"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** A subscriber (HiveMQ, MQTT 5, QoS 1) counting the windows of one round by their {@code message_id} user property. */
    private static final class Counter implements AutoCloseable {
        private final Set<String> expected;
        private final Mqtt5AsyncClient client;
        private volatile Map<String, Integer> seen = new ConcurrentHashMap<>();
        private final AtomicLong arrivals = new AtomicLong();
        long missingTotal;
        long duplicatesTotal;

        Counter(int port, String filter, Set<String> expected) throws Exception {
            this.expected = expected;
            this.client = MqttClient.builder().useMqttVersion5().identifier("edgewatch-bench-count").serverHost("127.0.0.1")
                    .serverPort(port).buildAsync();
            client.publishes(MqttGlobalPublishFilter.ALL, this::arrived);
            client.connectWith().cleanStart(true).sessionExpiryInterval(0).send().get(10, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        }

        private void arrived(Mqtt5Publish p) {
            String id = p.getUserProperties().asList().stream().filter(u -> u.getName().toString().equals("message_id"))
                    .map(u -> u.getValue().toString()).findFirst().orElse("?");
            seen.merge(id, 1, Integer::sum);
            arrivals.incrementAndGet();
        }

        void reset() {
            seen = new ConcurrentHashMap<>();
            arrivals.set(0);
        }

        /** Waits (not timed) until every expected id arrived or nothing arrives for 10 s; "N/N once" or what is wrong. */
        String check(String round) throws InterruptedException {
            long last = -1;
            long quietSince = System.nanoTime();
            while (!seen.keySet().containsAll(expected)) {
                long now = arrivals.get();
                if (now != last) {
                    last = now;
                    quietSince = System.nanoTime();
                } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(10)) {
                    break;
                }
                Thread.sleep(50);
            }
            // a moment more for a duplicate still on its way
            Thread.sleep(200);
            Map<String, Integer> s = seen;
            long missing = expected.stream().filter(id -> !s.containsKey(id)).count();
            long duplicates = s.values().stream().mapToLong(n -> n - 1).sum();
            long other = s.keySet().stream().filter(id -> !expected.contains(id)).count();
            missingTotal += missing;
            duplicatesTotal += duplicates;
            if (missing > 0 || duplicates > 0 || other > 0) {
                System.out.printf(Locale.ROOT, "  %s: %d of %d windows arrived, missing %d, duplicates %d, unknown ids %d%n", round,
                        expected.size() - missing, expected.size(), missing, duplicates, other);
            }
            return String.format(Locale.ROOT, "%d/%d%s", expected.size() - missing, expected.size(),
                    missing == 0 && duplicates == 0 ? " once" : ", " + duplicates + " twice");
        }

        @Override
        public void close() throws Exception {
            client.disconnect().get(5, TimeUnit.SECONDS);
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
