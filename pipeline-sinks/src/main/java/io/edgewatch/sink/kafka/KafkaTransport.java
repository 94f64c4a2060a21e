package io.edgewatch.sink.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

import io.edgewatch.sink.broker.BrokerClient;
import io.edgewatch.sink.broker.BrokerFailures;
import io.edgewatch.sink.broker.BrokerJson;
import io.edgewatch.sink.broker.BrokerMessage;
import io.edgewatch.sink.outbox.DeliveryException;
import reactor.core.publisher.Mono;

/**
 * The kafka destination's client: a plain {@link KafkaProducer} ({@code acks=all}, idempotence on, no linger) wrapped
 * for the outbox. One record per message, keyed by its camera id (a camera's records share a partition and keep their
 * order), with the message's stable id in the header {@value #ID_HEADER} and its schema version in
 * {@value #SCHEMA_HEADER}. {@link #publish} completes when the broker acknowledged the record (the send's callback),
 * never on a hand-over to the producer's memory; the outbox's sender keeps one message per camera in flight, so a
 * retry cannot overtake what came after it.
 *
 * <p>A publish the sink cancels (no acknowledgement within the destination's timeout) leaves its record in the
 * producer, which may still deliver it: the retry of that message then waits for that same record instead of sending
 * a second copy (and is answered at once when it was acknowledged meanwhile), until the producer gives it up
 * ({@code delivery.timeout.ms}); only then is it sent again.
 *
 * <p>Failures, sorted by {@link BrokerFailures}:
 * <ul>
 *   <li>a record the producer gave up on ({@code delivery.timeout.ms} passed), a broker that cannot be reached
 *       ({@code max.block.ms} passed waiting for metadata), any retriable error: retried, the entry stays in the
 *       outbox;</li>
 *   <li>credentials refused (SASL), a write not allowed (ACL), a topic the broker does not have and will not make
 *       (auto-create off; asked of the broker with an admin client once the metadata wait timed out): the
 *       destination stops ({@code delivery_stopped:kafka}) and probes. A producer refused by SASL or an ACL is closed
 *       and made again at the next send: an idempotent producer whose producer id was refused stays failed for good,
 *       so a password fixed on the broker's side would otherwise never be tried;</li>
 *   <li>a record the broker will never take (over {@code max.request.size}): a dead letter.</li>
 * </ul>
 *
 * <p>{@link KafkaProducer#send} may block (metadata, a full buffer): until a record was acknowledged, and again after
 * any failure, it runs on a thread of the client's own; while records are acknowledged (the topic's metadata known)
 * it runs on the caller's thread, which saves a hand-over per message.
 */
public final class KafkaTransport implements BrokerClient {

    private static final Logger log = LoggerFactory.getLogger(KafkaTransport.class);
    /** The record header with the message's stable id, for consumers to drop duplicates. */
    public static final String ID_HEADER = "edgewatch-id";
    /** The record header with the message's {@code schema_version}. */
    public static final String SCHEMA_HEADER = "edgewatch-schema";
    private static final JsonFactory JSON = new JsonFactory();
    private static final int TOPIC_CHECK_MS = 4000;

    private final KafkaOptions options;
    private final ExecutorService sendThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "edgewatch-kafka-send");
        t.setDaemon(true);
        return t;
    });
    /**
     * Records handed to the producer and not yet answered, and the last {@value #REMEMBERED} acknowledged, by message
     * id: what a retry of the same message joins (an acknowledgement that came after the sink gave up waiting answers
     * the retry, which sends nothing).
     */
    private final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> acknowledgedIds = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger remembered = new java.util.concurrent.atomic.AtomicInteger();
    private static final int REMEMBERED = 4096;
    // touched only on sendThread
    private KafkaProducer<String, byte[]> producer;
    /** The producer whose last record was acknowledged (its topics' metadata known); null after a failure or a renewal. */
    private volatile KafkaProducer<String, byte[]> connectedProducer;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong joined = new AtomicLong();
    private final AtomicLong producersMade = new AtomicLong();
    private volatile State state = State.CONNECTING;

    public KafkaTransport(KafkaOptions options) {
        this.options = options;
    }

    /** Makes the producer and asks for the windows topic's partitions (which an auto-creating broker makes then). */
    @Override
    public Mono<Void> connect() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            sendThread.execute(() -> {
                KafkaProducer<String, byte[]> p = null;
                try {
                    p = producer();
                    p.partitionsFor(options.topic());
                    if (state != State.REFUSED) {
                        state = State.CONNECTED;
                    }
                    done.complete(null);
                } catch (RuntimeException e) {
                    done.completeExceptionally(sortNow(e, options.topic(), p));
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(BrokerFailures.retry("kafka: closed"));
        }
        return Mono.fromFuture(done, true);
    }

    @Override
    public Mono<Void> publish(BrokerMessage message) {
        return Mono.defer(() -> {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> earlier = pending.putIfAbsent(message.messageId(), mine);
            if (earlier != null) {
                // the record of an earlier, cancelled attempt is still in the producer: its answer is this one's
                joined.incrementAndGet();
                return Mono.fromFuture(earlier, true);
            }
            mine.whenComplete((v, e) -> {
                if (e != null) {
                    pending.remove(message.messageId(), mine);
                } else {
                    remember(message.messageId(), mine);
                }
            });
            try {
                KafkaProducer<String, byte[]> ready = connectedProducer;
                if (ready != null && state == State.CONNECTED) {
                    // the topic's metadata is known: send() does not wait, and the caller's thread saves a hand-over
                    sendNow(message, mine, ready);
                } else {
                    sendThread.execute(() -> sendNow(message, mine, null));
                }
            } catch (RejectedExecutionException e) {
                mine.completeExceptionally(BrokerFailures.retry("kafka: the producer is closed"));
            }
            // cancelling the subscriber does not cancel the record: it stays pending until the producer answers
            return Mono.fromFuture(mine, true);
        });
    }

    private void remember(String messageId, CompletableFuture<Void> done) {
        acknowledgedIds.add(messageId);
        // counted apart: the queue's size() walks it
        if (remembered.incrementAndGet() > REMEMBERED) {
            String old = acknowledgedIds.poll();
            if (old != null) {
                remembered.decrementAndGet();
                pending.computeIfPresent(old, (k, f) -> f.isDone() && !f.isCompletedExceptionally() ? null : f);
            }
        }
    }

    private String topicOf(BrokerMessage m) {
        return BrokerJson.ALERT.equals(m.kind()) ? options.alertsTopic() : options.topic();
    }

    /** Sends on {@code ready} (from any thread), or (null) on the send thread's producer, made when there is none. */
    private void sendNow(BrokerMessage message, CompletableFuture<Void> result, KafkaProducer<String, byte[]> ready) {
        String topic = topicOf(message);
        KafkaProducer<String, byte[]> p = ready;
        try {
            if (p == null) {
                p = producer();
            }
            KafkaProducer<String, byte[]> used = p;
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, message.cameraId(), message.body(),
                    headers(message.messageId(), message.body()));
            sent.incrementAndGet();
            p.send(record, (metadata, error) -> {
                if (error == null) {
                    acknowledged.incrementAndGet();
                    if (state != State.CLOSED) {
                        connectedProducer = used;
                        state = State.CONNECTED;
                    }
                    result.complete(null);
                } else {
                    failed(error, topic, used, result);
                }
            });
        } catch (RuntimeException e) {
            failed(e, topic, p, result);
        }
    }

    private void failed(Throwable error, String topic, KafkaProducer<String, byte[]> p, CompletableFuture<Void> result) {
        failed.incrementAndGet();
        connectedProducer = null;
        if (metadataTimeout(error)) {
            // the topic is asked after on the send thread (the producer calls back on its own for most failures)
            try {
                sendThread.execute(() -> result.completeExceptionally(sortNow(error, topic, p)));
                return;
            } catch (RejectedExecutionException closing) {
                // sorted as it is
            }
        }
        result.completeExceptionally(sort(error, topic, p));
    }

    /** On the send thread: a metadata timeout is looked into (does the topic exist?), then sorted. */
    private DeliveryException sortNow(Throwable error, String topic, KafkaProducer<String, byte[]> p) {
        if (metadataTimeout(error)) {
            DeliveryException missing = missingTopic(topic);
            if (missing != null) {
                state = State.REFUSED;
                return missing;
            }
        }
        return sort(error, topic, p);
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
            connectedProducer = null;
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

    /** The message id, and the {@code schema_version} of the JSON body (as committed), as record headers. */
    static RecordHeaders headers(String messageId, byte[] body) {
        RecordHeaders h = new RecordHeaders();
        h.add(new RecordHeader(ID_HEADER, messageId.getBytes(StandardCharsets.UTF_8)));
        String schema = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if ("schema_version".equals(name) && value.isScalarValue()) {
                        schema = p.getValueAsString();
                        break;
                    }
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // not JSON: no schema header
        }
        if (schema != null) {
            h.add(new RecordHeader(SCHEMA_HEADER, schema.getBytes(StandardCharsets.UTF_8)));
        }
        return h;
    }

    /** send() waited {@code max.block.ms} for the topic's metadata: the broker is unreachable, or has no such topic. */
    private static boolean metadataTimeout(Throwable error) {
        return error instanceof TimeoutException && String.valueOf(error.getMessage()).contains("not present in metadata");
    }

    /** A Kafka failure as the outbox sender sorts it. */
    private DeliveryException sort(Throwable error, String topic, KafkaProducer<String, byte[]> p) {
        String where = "kafka " + options.bootstrapServers();
        Throwable auth = find(error, AuthenticationException.class);
        if (auth != null) {
            renew(p);
            state = State.REFUSED;
            return BrokerFailures.stop(where + " refused the credentials" + (options.security().username() != null
                    ? " of " + options.security().username() : "") + ": " + auth.getMessage() + " (check kafka.security)");
        }
        Throwable denied = find(error, AuthorizationException.class);
        if (denied != null) {
            renew(p);
            state = State.REFUSED;
            String what = denied instanceof TopicAuthorizationException ? "writing to topic " + topic
                    : "this producer (an idempotent producer needs IDEMPOTENT_WRITE on the cluster)";
            return BrokerFailures.stop(where + " does not allow " + what + ": " + denied.getMessage()
                    + " (check the broker's ACLs)");
        }
        if (find(error, InvalidTopicException.class) != null) {
            state = State.REFUSED;
            return BrokerFailures.stop(where + " refuses the topic name " + topic + ": " + error.getMessage());
        }
        if (state != State.CLOSED) {
            state = State.CONNECTING;
        }
        if (find(error, RecordTooLargeException.class) != null || find(error, RecordBatchTooLargeException.class) != null) {
            return BrokerFailures.deadLetter(where + " refuses the record as too large: " + error.getMessage());
        }
        if (find(error, SerializationException.class) != null) {
            return BrokerFailures.deadLetter(where + ": the record cannot be written: " + error.getMessage());
        }
        if (metadataTimeout(error)) {
            return BrokerFailures.retry(where + " unreachable: " + error.getMessage());
        }
        if (find(error, TimeoutException.class) != null) {
            return BrokerFailures.retry(where + " did not acknowledge within delivery.timeout.ms (" + error.getMessage()
                    + "); the record stays in the outbox and is sent again");
        }
        if (error instanceof RetriableException) {
            return BrokerFailures.retry(where + ": " + error);
        }
        // a producer in a failed state (fenced, out of sequence, closed): a new one for the next send
        renew(p);
        return BrokerFailures.retry(where + ": " + (error instanceof KafkaException || error instanceof IllegalStateException
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
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(TOPIC_CHECK_MS));
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(TOPIC_CHECK_MS));
        String where = "kafka " + options.bootstrapServers();
        try (Admin admin = Admin.create(a)) {
            admin.describeTopics(List.of(topic)).allTopicNames().get(TOPIC_CHECK_MS + 500, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownTopicOrPartitionException) {
                return BrokerFailures.stop(where + " has no topic " + topic
                        + " and does not create it (auto.create.topics.enable=false): create it");
            }
            if (cause instanceof TopicAuthorizationException) {
                return BrokerFailures.stop(where + " does not allow describing topic " + topic + " (check the broker's ACLs)");
            }
            if (cause instanceof AuthenticationException) {
                return BrokerFailures.stop(where + " refused the credentials: " + cause.getMessage() + " (check kafka.security)");
            }
            return null;
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Throwable find(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public String describe() {
        return "kafka " + options.bootstrapServers() + " topic " + options.topic()
                + (options.alertsTopic().equals(options.topic()) ? "" : " (alerts " + options.alertsTopic() + ")")
                + (options.security().username() != null ? " as " + options.security().username() : "");
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

    /** Publishes that joined the record of an earlier attempt still in the producer instead of sending a copy. */
    public long joined() {
        return joined.get();
    }

    /** Producers made since the start: more than one after a refusal or a failed producer. */
    public long producersMade() {
        return producersMade.get();
    }

    @Override
    public void close(Duration grace) {
        if (state == State.CLOSED && sendThread.isShutdown()) {
            return;
        }
        state = State.CLOSED;
        connectedProducer = null;
        try {
            sendThread.execute(() -> {
                if (producer != null) {
                    producer.close(grace);
                    producer = null;
                }
            });
        } catch (RejectedExecutionException ignored) {
            return;
        }
        sendThread.shutdown();
        try {
            if (!sendThread.awaitTermination(grace.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
                sendThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
