package io.edgewatch.daemon;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.sink.ReportSink;
import io.edgewatch.daemon.config.CameraConfig;
import io.edgewatch.daemon.config.EdgewatchConfig;
import io.edgewatch.health.Health;
import io.edgewatch.sink.broker.BrokerContext;
import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.broker.BrokerSink;
import io.edgewatch.sink.outbox.Outbox;

/**
 * The broker destinations ({@code mqtt:}, {@code kafka:}): one {@link BrokerSink} each, put among
 * the daemon's sinks under its name, watched by health (its {@code delivery_stopped:NAME}, its
 * connection state and counts), and given the alerts of the cameras that name it in
 * {@code sinks:} and the daemon's own. Each destination learns which cameras send to it at start
 * and after every reload ({@link #remember}, {@link #forget}, {@link #applied}).
 */
final class BrokerWiring implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BrokerWiring.class);

    private final Map<String, BrokerSink> sinks = new LinkedHashMap<>();
    /** Each camera's broker sinks, by camera id; a reload updates it. */
    private final Map<String, List<String>> byCamera = new ConcurrentHashMap<>();

    /** Starts every broker destination of {@code config} (none: nothing), adding each to {@code daemonSinks}. */
    BrokerWiring(EdgewatchConfig config, Outbox outbox, Health health, Map<String, Map<String, String>> metadata,
                 Map<String, ReportSink> daemonSinks) {
        BrokerContext context = new BrokerContext(health::sourceState);
        for (Map.Entry<String, BrokerDestination> e : config.brokers().entrySet()) {
            String name = e.getKey();
            BrokerSink sink = BrokerSink.start(outbox, e.getValue(), context, metadata);
            sinks.put(name, sink);
            daemonSinks.put(name, sink);
            health.delivery(name, sink::stopped, sink::stopReason, config.alertSustain(), e.getValue().hint());
            health.destination(name, sink::stats);
        }
        if (sinks.isEmpty()) {
            return;
        }
        health.onAlert(a -> {
            boolean daemon = Health.DAEMON.equals(a.cameraId());
            List<String> to = daemon ? List.copyOf(sinks.keySet()) : byCamera.getOrDefault(a.cameraId(), List.of());
            for (String name : to) {
                try {
                    sinks.get(name).alert(daemon ? null : a.cameraId(), a.signal(), a.firing(), a.at(), a.baseline(), a.current(),
                            a.message());
                } catch (RuntimeException ex) {
                    log.warn("{}: alert {} not committed: {}", name, a.signal(), ex.getMessage());
                }
            }
        });
    }

    /** Whether any broker destination is configured (then the outbox is needed). */
    static boolean any(EdgewatchConfig config) {
        return !config.brokers().isEmpty();
    }

    /** {@code camera} runs (at start, or started by a reload) with its {@code sinks:}. */
    void remember(CameraConfig camera) {
        if (sinks.isEmpty()) {
            return;
        }
        byCamera.put(camera.id(), camera.sinks().stream().filter(sinks::containsKey).toList());
    }

    /** {@code id} was removed by a reload. */
    void forget(String id) {
        byCamera.remove(id);
    }

    /** The cameras known now go to every destination (start, end of a reload): what a removed camera published is cleared. */
    void applied() {
        sinks.forEach((name, sink) -> {
            Set<String> ids = new TreeSet<>();
            byCamera.forEach((id, names) -> {
                if (names.contains(name)) {
                    ids.add(id);
                }
            });
            sink.cameras(ids);
        });
    }

    /** Closes every destination: what is in flight gets {@code grace} to be acknowledged, then a clean disconnect. */
    void close(Duration grace) {
        sinks.values().forEach(s -> s.close(grace));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
