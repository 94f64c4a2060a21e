package io.edgewatch.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one JVM) for tests and
 * benchmarks: {@code kafka.Kafka} of {@code org.apache.kafka:kafka_2.13} as a child process on
 * 127.0.0.1, on free ports chosen at construction and kept across restarts. Its storage is
 * formatted first ({@code kafka.tools.StorageTool format --standalone}). The broker's jars are on
 * the class path the testkit's build wrote to {@code kafka-broker.classpath} beside this class,
 * never on the caller's: the product does not depend on them.
 *
 * <p>Faults: {@link #stop()} (SIGTERM, a clean stop), {@link #kill()} (SIGKILL), {@link #pause()}
 * and {@link #resume()} (SIGSTOP and SIGCONT: a broker that accepts connections and answers
 * nothing), then {@link #start()} again on the same storage and ports. With {@link #sasl}, a
 * second listener asks for SCRAM-SHA-512 (its user made at format time), so a password can be
 * refused, then fixed while the broker runs ({@link #setScramPassword}). The plain listener stays
 * open for the test's own admin and reads ({@link #bootstrap()}).
 */
public final class KafkaBroker implements AutoCloseable {

    /** The SCRAM mechanism of the {@link #sasl} listener. */
    public static final String SCRAM = "SCRAM-SHA-512";

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final int saslPort;
    private final boolean autoCreate;
    private final int partitions;
    private final String saslUser;
    private final String saslPassword;
    private boolean acls;
    private Process process;
    private boolean formatted;

    private KafkaBroker(Path dir, boolean autoCreate, int partitions, String saslUser, String saslPassword) throws IOException {
        this.dir = dir.toAbsolutePath();
        this.autoCreate = autoCreate;
        this.partitions = partitions;
        this.saslUser = saslUser;
        this.saslPassword = saslPassword;
        this.port = freePort();
        this.controllerPort = freePort();
        this.saslPort = saslUser == null ? 0 : freePort();
    }

    /** A broker in {@code dir} that creates a topic at its first record, with {@code partitions} partitions. */
    public static KafkaBroker plain(Path dir, int partitions) throws IOException {
        return new KafkaBroker(dir, true, partitions, null, null);
    }

    /** A broker in {@code dir} on which a topic must be made first ({@link #createTopic}): auto-create is off. */
    public static KafkaBroker noAutoCreate(Path dir, int partitions) throws IOException {
        return new KafkaBroker(dir, false, partitions, null, null);
    }

    /**
     * A broker in {@code dir} with a second listener ({@link #saslBootstrap()}) that asks for SCRAM-SHA-512, where
     * {@code user} exists with {@code password} from the start.
     */
    public static KafkaBroker sasl(Path dir, int partitions, String user, String password) throws IOException {
        return new KafkaBroker(dir, true, partitions, user, password);
    }

    /**
     * A {@link #sasl} broker whose SCRAM listener is authorised by ACLs (KRaft's {@code StandardAuthorizer}): {@code user}
     * may do nothing until {@link #allowWrite} lets it; the plain listener's (anonymous) principal is a super user.
     */
    public static KafkaBroker saslWithAcls(Path dir, int partitions, String user, String password) throws IOException {
        KafkaBroker b = new KafkaBroker(dir, true, partitions, user, password);
        b.acls = true;
        return b;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code 127.0.0.1:port} of the plain listener. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** {@code 127.0.0.1:port} of the SCRAM listener ({@link #sasl} only). */
    public String saslBootstrap() {
        if (saslUser == null) {
            throw new IllegalStateException("this broker has no SASL listener");
        }
        return "127.0.0.1:" + saslPort;
    }

    public int port() {
        return port;
    }

    /** The broker's pid while it runs. */
    public synchronized long pid() {
        return process.pid();
    }

    /** The class path of the broker, as the testkit's build wrote it. */
    public static String classPath() throws IOException {
        try (InputStream in = KafkaBroker.class.getResourceAsStream("kafka-broker.classpath")) {
            if (in == null) {
                throw new IllegalStateException("kafka-broker.classpath is missing beside " + KafkaBroker.class.getName()
                        + ": build pipeline-testkit with Maven (it writes the broker's class path there)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    private Path properties() throws IOException {
        Path logs = dir.resolve("data");
        Files.createDirectories(logs);
        StringBuilder p = new StringBuilder();
        p.append("process.roles=broker,controller\n");
        p.append("node.id=1\n");
        p.append("controller.quorum.bootstrap.servers=127.0.0.1:").append(controllerPort).append('\n');
        String listeners = "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort;
        String advertised = "PLAINTEXT://127.0.0.1:" + port;
        String map = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT";
        if (saslUser != null) {
            listeners += ",SASL_PLAINTEXT://127.0.0.1:" + saslPort;
            advertised += ",SASL_PLAINTEXT://127.0.0.1:" + saslPort;
            map += ",SASL_PLAINTEXT:SASL_PLAINTEXT";
            p.append("sasl.enabled.mechanisms=").append(SCRAM).append('\n');
            p.append("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config="
                    + "org.apache.kafka.common.security.scram.ScramLoginModule required;\n");
        }
        if (acls) {
            p.append("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n");
            p.append("super.users=User:ANONYMOUS\n");
            p.append("allow.everyone.if.no.acl.found=false\n");
        }
        p.append("listeners=").append(listeners).append('\n');
        p.append("advertised.listeners=").append(advertised).append('\n');
        p.append("controller.listener.names=CONTROLLER\n");
        p.append("inter.broker.listener.name=PLAINTEXT\n");
        p.append("listener.security.protocol.map=").append(map).append('\n');
        p.append("log.dirs=").append(logs).append('\n');
        p.append("num.partitions=").append(partitions).append('\n');
        p.append("auto.create.topics.enable=").append(autoCreate).append('\n');
        p.append("offsets.topic.replication.factor=1\n");
        p.append("offsets.topic.num.partitions=1\n");
        p.append("transaction.state.log.replication.factor=1\n");
        p.append("transaction.state.log.min.isr=1\n");
        p.append("group.initial.rebalance.delay.ms=0\n");
        p.append("share.coordinator.state.topic.replication.factor=1\n");
        p.append("share.coordinator.state.topic.min.isr=1\n");
        Path file = dir.resolve("server.properties");
        Files.writeString(file, p.toString());
        return file;
    }

    private List<String> java(String main, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", classPath(), main));
        command.addAll(List.of(args));
        return command;
    }

    /** Formats the storage (once) and starts the broker; waits up to 60 s until its plain listener accepts connections. */
    public synchronized KafkaBroker start() throws Exception {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker runs already");
        }
        Path props = properties();
        if (!formatted) {
            // URL-safe base64 may begin with '-': given as "-t ID" it was read as an option one start in 64 ("--cluster-id:
            // expected one argument", seen in a full run); joined by '=' it is always the value
            String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(uuidBytes());
            List<String> format = new ArrayList<>(java("kafka.tools.StorageTool", "format", "--standalone", "--cluster-id=" + clusterId,
                    "-c", props.toString()));
            if (saslUser != null) {
                format.add("--add-scram");
                format.add(SCRAM + "=[name=" + saslUser + ",password=" + saslPassword + "]");
            }
            Process f = new ProcessBuilder(format).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("format.log").toFile())).start();
            if (!f.waitFor(60, TimeUnit.SECONDS) || f.exitValue() != 0) {
                f.destroyForcibly();
                throw new IllegalStateException("kafka-storage format failed: " + Files.readString(dir.resolve("format.log")));
            }
            formatted = true;
        }
        process = new ProcessBuilder(java("kafka.Kafka", props.toString())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!listening(port)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue() + ": " + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the broker did not listen on " + port + " within 60 s: " + tail());
            }
            Thread.sleep(100);
        }
        return this;
    }

    private static byte[] uuidBytes() {
        UUID u = UUID.randomUUID();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return b.array();
    }

    private String tail() throws IOException {
        Path log = dir.resolve("broker.log");
        if (!Files.exists(log)) {
            return "(no log)";
        }
        String all = Files.readString(log);
        return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A clean stop (SIGTERM), waited for up to 60 s (then SIGKILL). */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        signal("CONT");
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL: what was not yet on disk is the broker's to lose (a single node acknowledges what it appended). */
    public synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGSTOP: connections stay open and nothing is answered, as a broker stuck in a pause. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + name + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(p);
    }

    /** Makes {@code topic} with {@code partitions} partitions (and one replica) and waits until each has its leader. */
    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    var d = admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic);
                    if (d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null
                            && !p.leader().isEmpty())) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException notYet) {
                    // not known to the broker's metadata yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + " has partitions without a leader after 60 s");
                }
                Thread.sleep(100);
            }
        }
    }

    /** Sets the SCRAM-SHA-512 password of {@code user} while the broker runs (a password fixed on the broker's side). */
    public void setScramPassword(String user, String password) throws Exception {
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(60, TimeUnit.SECONDS);
        }
    }

    /** Lets {@code user} write to (and describe) {@code topic}: an ACL added while the broker runs. */
    public void allowWrite(String user, String topic) throws Exception {
        try (Admin admin = admin()) {
            admin.createAcls(List.of(new org.apache.kafka.common.acl.AclBinding(
                    new org.apache.kafka.common.resource.ResourcePattern(org.apache.kafka.common.resource.ResourceType.TOPIC, topic,
                            org.apache.kafka.common.resource.PatternType.LITERAL),
                    new org.apache.kafka.common.acl.AccessControlEntry("User:" + user, "*",
                            org.apache.kafka.common.acl.AclOperation.WRITE, org.apache.kafka.common.acl.AclPermissionType.ALLOW))))
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    /** One record as read back. */
    public record Message(int partition, long offset, String key, Map<String, String> headers, byte[] value, int size) {
        public String text() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    /** Every record of {@code topic}, partition by partition in offset order (empty when the topic does not exist). */
    public List<Message> read(String topic) {
        List<Message> out = new ArrayList<>();
        read(topic, out::add);
        return out;
    }

    /**
     * Hands every record of {@code topic} to {@code each}, partition by partition in offset order, without keeping
     * them (a fleet's day of records); returns how many there were.
     */
    public long read(String topic, java.util.function.Consumer<Message> each) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(60));
            List<PartitionInfo> infos = topics.get(topic);
            if (infos == null) {
                return 0;
            }
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition()))
                    .sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList();
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(60));
            for (TopicPartition tp : parts) {
                // one partition at a time: its records in offset order
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
                while (consumer.position(tp, Duration.ofSeconds(60)) < end.get(tp)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("reading " + tp + " took over 600 s");
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        Map<String, String> headers = new HashMap<>();
                        for (Header h : r.headers()) {
                            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
                        }
                        each.accept(new Message(r.partition(), r.offset(), r.key() == null ? null
                                : new String(r.key(), StandardCharsets.UTF_8), headers, r.value(),
                                r.serializedKeySize() + r.serializedValueSize()));
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** The bytes of {@code topic}'s log segments in the broker's folder: what the broker keeps of it, indexes left out. */
    public long bytesOnDisk(String topic) throws IOException {
        long total = 0;
        try (var dirs = Files.list(dir.resolve("data"))) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().matches(java.util.regex.Pattern.quote(topic) + "-\\d+"))
                    .toList()) {
                try (var files = Files.list(d)) {
                    for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                        total += Files.size(f);
                    }
                }
            }
        }
        return total;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            signal("CONT");
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
