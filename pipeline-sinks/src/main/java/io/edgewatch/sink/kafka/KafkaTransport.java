package io.edgewatch.sink.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.edgewatch.core.secret.Redactor;
import io.edgewatch.sink.outbox.DeliveryException;
import io.edgewatch.sink.outbox.OutboxEntry;
import io.edgewatch.sink.outbox.OutboxSender;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Sends outbox entries to Kafka with a plain {@link KafkaProducer} ({@code acks=all}, idempotence on, no linger):
 * one record per entry, keyed by its camera id (so a camera's records share a partition and keep their order),
 * with the entry's stable message id in the header {@value #ID_HEADER} and its schema version in
 * {@value #SCHEMA_HEADER}. The returned {@code Mono} completes when the broker acknowledged the record (the send's
 * callback), never on a hand-over to the producer's memory: the {@link OutboxSender} keeps one record per camera in
 * flight, so a retry cannot overtake what came after it.
 *
 * <p>Failures, as the sender sorts them ({@link DeliveryException}):
 * <ul>
 *   <li>a record the producer gave up on ({@code delivery.timeout.ms} passed), a broker that cannot be reached
 *       ({@code max.block.ms} passed waiting for metadata), any retriable error: retryable, the entry stays in the
 *       outbox and is sent again;</li>
 *   <li>credentials refused (SASL), a write not allowed (ACL), a topic the broker does not have and will not make
 *       (auto-create off; asked of the broker with an admin client once the metadata wait timed out): the
 *       destination stops (401, 403, 404) and is probed. A producer refused by SASL or an ACL is closed and made
 *       again at the next send: an idempotent producer whose producer id was refused stays failed for good, so a
 *       password fixed on the broker's side would otherwise never be tried;</li>
 *   <li>a record the broker will never take (over {@code max.request.size}): a dead letter (413).</li>
 * </ul>
 *
 * <p>{@link KafkaProducer#send} may block (metadata, a full buffer): it runs on a thread of the transport's own,
 * never on the sender's. On cancel (the sender closing) a record already handed to the producer may still be
 * delivered: at least once.
 */
public final class KafkaTransport implements OutboxSender.Transport, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaTransport.class);
    /** The record header with the message's stable id, for consumers to drop duplicates. */
    public static final String ID_HEADER = "edgewatch-id";
    /** The record header with the message's {@code schema_version}. */
    public static final String SCHEMA_HEADER = "edgewatch-schema";
    private static final JsonFactory JSON = new JsonFactory();
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final KafkaOptions options;
    private final Function<String, String> topicOfKind;
    private final ExecutorService sendThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edgewatch-kafka-send");
        t.setDaemon(true);
        return t;
    });
    // touched only on sendThread
    private KafkaProducer<String, byte[]> producer;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong producersMade = new AtomicLong();
    private volatile boolean connected;

    /** Windows to {@link KafkaOptions#topic()}, entries of kind {@code alert} to {@link KafkaOptions#alertsTopic()}. */
    public KafkaTransport(KafkaOptions options) {
        this(options, kind -> "alert".equals(kind) ? options.alertsTopic() : options.topic());
    }

    /** Each entry to the topic {@code topicOfKind} gives for its kind. */
    public KafkaTransport(KafkaOptions options, Function<String, String> topicOfKind) {
        this.options = options;
        this.topicOfKind = topicOfKind;
    }

    @Override
    public Mono<Void> apply(String kind, byte[] body) {
        return send(new OutboxEntry(0, "kafka", "", kind, body, System.currentTimeMillis(), 0), null);
    }

    @Override
    public Mono<Void> send(OutboxEntry entry, OutboxSender.Progress progress) {
        return Mono.create(sink -> {
            try {
                sendThread.execute(() -> sendNow(entry, sink));
            } catch (RejectedExecutionException e) {
                sink.error(new DeliveryException("kafka: the producer is closed", 0, true, 0));
            }
        });
    }

    private void sendNow(OutboxEntry entry, MonoSink<Void> sink) {
        String topic = topicOfKind.apply(entry.kind());
        KafkaProducer<String, byte[]> p = null;
        try {
            p = producer();
            KafkaProducer<String, byte[]> used = p;
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, entry.cameraId(), entry.body(),
                    headers(entry.body()));
            sent.incrementAndGet();
            p.send(record, (metadata, error) -> {
                if (error == null) {
                    acknowledged.incrementAndGet();
                    connected = true;
                    sink.success();
                } else {
                    failed(error, topic, used, sink);
                }
            });
        } catch (RuntimeException e) {
            failed(e, topic, p, sink);
        }
    }

    private void failed(Throwable error, String topic, KafkaProducer<String, byte[]> p, MonoSink<Void> sink) {
        failed.incrementAndGet();
        connected = false;
        if (metadataTimeout(error)) {
            // the topic is asked after on the send thread (the producer calls back on its own for most failures)
            try {
                sendThread.execute(() -> {
                    DeliveryException missing = missingTopic(topic);
                    sink.error(missing != null ? missing : sort(error, topic, p));
                });
                return;
            } catch (RejectedExecutionException closing) {
                // sorted as it is
            }
        }
        sink.error(sort(error, topic, p));
    }

    /** send() waited {@code max.block.ms} for the topic's metadata: the broker is unreachable, or has no such topic. */
    private static boolean metadataTimeout(Throwable error) {
        return error instanceof TimeoutException && String.valueOf(error.getMessage()).contains("not present in metadata");
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties p = options.producerProperties();
            producer = new KafkaProducer<>(p);
            producersMade.incrementAndGet();
        }
        return producer;
    }

    /** Closes {@code p} (on the send thread) when it is still the one in use: the next send makes a new one. */
    private void renew(KafkaProducer<String, byte[]> p) {
        if (p == null) {
            return;
        }
        try {
            sendThread.execute(() -> {
                if (producer == p) {
                    producer = null;
                    try {
                        p.close(Duration.ZERO);
                    } catch (RuntimeException e) {
                        log.debug("kafka: closing a failed producer: {}", e.toString());
                    }
                }
            });
        } catch (RejectedExecutionException ignored) {
            // closing anyway
        }
    }

    /** The {@code message_id} and {@code schema_version} of a JSON body, as record headers (none when absent). */
    static RecordHeaders headers(byte[] body) {
        RecordHeaders h = new RecordHeaders();
        String id = null;
        String schema = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME && (id == null || schema == null)) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if ("message_id".equals(name) && value.isScalarValue()) {
                        id = p.getValueAsString();
                    } else if ("schema_version".equals(name) && value.isScalarValue()) {
                        schema = p.getValueAsString();
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            // not JSON: sent without headers, as it is
        }
        if (id != null) {
            h.add(new RecordHeader(ID_HEADER, id.getBytes(StandardCharsets.UTF_8)));
        }
        if (schema != null) {
            h.add(new RecordHeader(SCHEMA_HEADER, schema.getBytes(StandardCharsets.UTF_8)));
        }
        return h;
    }

    /** A Kafka failure as the outbox sender sorts it. */
    private DeliveryException sort(Throwable error, String topic, KafkaProducer<String, byte[]> p) {
        String where = "kafka " + options.bootstrapServers();
        Throwable auth = find(error, AuthenticationException.class);
        if (auth != null) {
            renew(p);
            return stop(where + " refused the credentials" + (options.security().username() != null
                    ? " of " + options.security().username() : "") + ": " + auth.getMessage()
                    + " (check kafka.security)", 401);
        }
        Throwable denied = find(error, AuthorizationException.class);
        if (denied != null) {
            renew(p);
            String what = denied instanceof TopicAuthorizationException ? "writing to topic " + topic
                    : "this producer (an idempotent producer needs IDEMPOTENT_WRITE on the cluster)";
            return stop(where + " does not allow " + what + ": " + denied.getMessage() + " (check the broker's ACLs)", 403);
        }
        if (find(error, InvalidTopicException.class) != null) {
            return stop(where + " refuses the topic name " + topic + ": " + error.getMessage(), 404);
        }
        if (find(error, RecordTooLargeException.class) != null || find(error, RecordBatchTooLargeException.class) != null) {
            return new DeliveryException(where + " refuses the record as too large: " + error.getMessage(), 413, false, 0);
        }
        if (find(error, SerializationException.class) != null) {
            return new DeliveryException(where + ": the record cannot be written: " + error.getMessage(), 400, false, 0);
        }
        if (metadataTimeout(error)) {
            return retry(where + " unreachable: " + error.getMessage());
        }
        if (find(error, TimeoutException.class) != null) {
            return retry(where + " did not acknowledge within delivery.timeout.ms (" + error.getMessage()
                    + "); the record stays in the outbox and is sent again");
        }
        if (error instanceof RetriableException) {
            return retry(where + ": " + error);
        }
        // a producer in a failed state (fenced, out of sequence, closed): a new one for the next send
        renew(p);
        return retry(where + ": " + (error instanceof KafkaException || error instanceof IllegalStateException
                ? error.getMessage() : error.toString()));
    }

    /** After a metadata wait timed out: asks the broker whether {@code topic} exists; a stop when it does not. */
    private DeliveryException missingTopic(String topic) {
        Properties a = new Properties();
        Properties p = options.producerProperties();
        for (String name : AdminClientConfig.configNames()) {
            if (p.containsKey(name)) {
                a.put(name, p.get(name));
            }
        }
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, p.getOrDefault(ProducerConfig.CLIENT_ID_CONFIG, "edgewatch") + "-topic-check");
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(a)) {
            admin.describeTopics(List.of(topic)).allTopicNames().get(6, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownTopicOrPartitionException) {
                return stop("kafka " + options.bootstrapServers() + " has no topic " + topic
                        + " and does not create it (auto.create.topics.enable=false): create it", 404);
            }
            if (cause instanceof TopicAuthorizationException) {
                return stop("kafka " + options.bootstrapServers() + " does not allow describing topic " + topic
                        + " (check the broker's ACLs)", 403);
            }
            if (cause instanceof AuthenticationException) {
                return stop("kafka " + options.bootstrapServers() + " refused the credentials: " + cause.getMessage()
                        + " (check kafka.security)", 401);
            }
            return null;
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static DeliveryException stop(String message, int status) {
        return new DeliveryException(Redactor.redact(message), status, false, 0);
    }

    private static DeliveryException retry(String message) {
        return new DeliveryException(Redactor.redact(message), 0, true, 0);
    }

    private static Throwable find(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    /** Records handed to a producer since the start. */
    public long sent() {
        return sent.get();
    }

    /** Records the broker acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Sends that failed (and were retried, stopped the destination, or set aside). */
    public long failed() {
        return failed.get();
    }

    /** Producers made since the start: more than one after a refusal or a failed producer. */
    public long producersMade() {
        return producersMade.get();
    }

    /** True when the last send was acknowledged, false after a failure (or before the first). */
    public boolean connected() {
        return connected;
    }

    @Override
    public void close() {
        try {
            sendThread.execute(() -> {
                if (producer != null) {
                    producer.close(CLOSE_GRACE);
                    producer = null;
                }
            });
        } catch (RejectedExecutionException ignored) {
            return;
        }
        sendThread.shutdown();
        try {
            if (!sendThread.awaitTermination(CLOSE_GRACE.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
                sendThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
