package io.edgewatch.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.Version;
import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.health.alert.AlertEngine;
import io.edgewatch.health.alert.AlertEvent;
import io.edgewatch.sink.json.ReportJson;

/**
 * The JSON the endpoint serves, built when asked from the cameras' trackers and the alert hub:
 * {@code /healthz}, {@code /api/cameras}, {@code /api/alerts}. Cameras are listed by id.
 */
final class HealthViews {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Collection<CameraHealth> cameras;
    private final AlertHub hub;
    private final Clock clock;
    private final Instant started;

    HealthViews(Collection<CameraHealth> cameras, AlertHub hub, Clock clock, Instant started) {
        this.cameras = cameras;
        this.hub = hub;
        this.clock = clock;
        this.started = started;
    }

    private List<CameraHealth> sorted() {
        return cameras.stream().sorted(Comparator.comparing(c -> c.id)).toList();
    }

    /** Cameras that are not healthy, with why; empty when all are. */
    Map<String, List<String>> degraded() {
        Instant now = clock.instant();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (CameraHealth c : sorted()) {
            List<String> p = c.problems(now, started);
            if (!p.isEmpty()) {
                out.put(c.id, p);
            }
        }
        return out;
    }

    /** {@code GET /healthz}: the daemon is up; which cameras are degraded and why. */
    ObjectNode healthz() {
        Map<String, List<String>> degraded = degraded();
        ObjectNode root = JSON.createObjectNode();
        List<AlertEvent> daemonAlerts = hub.daemonActive();
        root.put("status", degraded.isEmpty() && daemonAlerts.isEmpty() ? "ok" : "degraded");
        if (!daemonAlerts.isEmpty()) {
            ArrayNode problems = root.putArray("problems");
            daemonAlerts.forEach(a -> problems.add("alert " + a.signal() + ": " + a.message()));
        }
        root.put("version", Version.NUMBER);
        ObjectNode build = root.putObject("build");
        build.put("commit", Version.COMMIT);
        build.put("built", Version.BUILT);
        Version.libraries().forEach(build::put);
        root.put("uptime_s", Duration.between(started, clock.instant()).toSeconds());
        ObjectNode cams = root.putObject("cameras");
        ObjectNode decoders = root.putObject("decoders");
        ObjectNode providers = root.putObject("providers");
        for (CameraHealth c : sorted()) {
            cams.put(c.id, degraded.containsKey(c.id) ? "degraded: " + String.join("; ", degraded.get(c.id)) : "ok");
            if (c.decoder() != null) {
                decoders.put(c.id, c.decoder());
            }
            if (c.executionProvider() != null) {
                providers.put(c.id, c.executionProvider());
            }
        }
        return root;
    }

    /** {@code GET /api/alerts}: the alerts firing now and the most recent starts and clears, newest first. */
    ObjectNode alerts() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode active = root.putArray("active");
        sorted().forEach(c -> c.activeAlerts().forEach(a -> active.add(alert(a))));
        hub.daemonActive().forEach(a -> active.add(alert(a)));
        ArrayNode recent = root.putArray("recent");
        hub.recent().forEach(a -> recent.add(alert(a)));
        return root;
    }

    /** {@code POST /api/cameras/{id}/baseline/relearn}'s answer. */
    static ObjectNode relearnt(String id, boolean learning, List<AlertEvent> clears) {
        ObjectNode out = JSON.createObjectNode().put("camera_id", id);
        if (!learning) {
            return out.put("learning", false).put("message", "alerts are off for camera " + id + ": there is no baseline");
        }
        ArrayNode cleared = out.put("learning", true).putArray("cleared");
        clears.forEach(e -> cleared.add(e.signal()));
        return out;
    }

    private static ObjectNode alert(AlertEvent a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("camera_id", a.cameraId()).put("signal", a.signal()).put("state", a.firing() ? "firing" : "cleared")
                .put("at", a.at().toString()).put("baseline", a.baseline()).put("current", a.current())
                .put("message", a.message());
        return n;
    }

    /** {@code GET /api/cameras}: each camera's source, last window and totals. */
    ArrayNode cameras() {
        Instant now = clock.instant();
        ArrayNode out = JSON.createArrayNode();
        for (CameraHealth c : sorted()) {
            ObjectNode n = out.addObject();
            n.put("camera_id", c.id);
            n.put("model_id", c.modelId);
            List<String> problems = c.problems(now, started);
            n.put("status", problems.isEmpty() ? "ok" : "degraded");
            ArrayNode p = n.putArray("problems");
            problems.forEach(p::add);
            ObjectNode src = source(c.source(), now);
            if (c.decoder() != null) {
                src.put("decoder", c.decoder());
            }
            src.put("decoder_fallbacks", c.decoderFallbacks());
            n.set("source", src);
            if (c.executionProvider() != null) {
                n.putObject("inference").put("provider", c.executionProvider());
            }
            ArrayNode alerts = n.putArray("active_alerts");
            c.activeAlerts().forEach(a -> alerts.add(alert(a)));
            AlertEngine.Baseline b = c.baseline();
            if (b != null) {
                n.set("baseline", JSON.valueToTree(b));
            }
            long[] t = c.totals();
            n.putObject("totals").put("frames_seen", t[0]).put("frames_inferred", t[1]).put("frames_dropped", t[2])
                    .put("inference_errors", t[3]);
            WindowReport r = c.last();
            if (r == null) {
                n.putNull("last_window");
            } else {
                n.set("last_window", window(r));
            }
        }
        return out;
    }

    private static ObjectNode source(SourceStatus s, Instant now) {
        ObjectNode src = JSON.createObjectNode();
        src.put("state", s.state().name().toLowerCase(Locale.ROOT));
        src.put("since", s.since().toString());
        src.put("reconnects", s.reconnects());
        if (s.downSince() != null) {
            src.put("down_since", s.downSince().toString());
        }
        ObjectNode times = src.putObject("seconds_in_state");
        for (SourceStatus.State state : SourceStatus.State.values()) {
            times.put(state.name().toLowerCase(Locale.ROOT), s.timeIn(state, now).toMillis() / 1000.0);
        }
        if (s.lastError() != null) {
            src.put("last_error", s.lastError());
        }
        return src;
    }

    private static ObjectNode window(WindowReport r) {
        ObjectNode w = JSON.createObjectNode();
        w.put("window_start", r.windowStart().toString()).put("window_end", r.windowEnd().toString());
        w.put("frames_seen", r.framesSeen()).put("frames_inferred", r.framesInferred()).put("frames_empty", r.framesEmpty())
                .put("frames_dropped", r.framesDropped()).put("inference_errors", r.inferenceErrors());
        double seconds = r.seconds();
        w.put("fps_seen", round(r.framesSeen() / seconds)).put("fps_inferred", round(r.framesInferred() / seconds));
        w.set("dropped_by_reason", JSON.valueToTree(r.droppedByReason()));
        w.set("errors_by_kind", JSON.valueToTree(r.errorsByKind()));
        // the same shapes as the JSONL report's
        w.set("latency_ms", JSON.valueToTree(ReportJson.latencies(r)));
        w.set("classes", JSON.valueToTree(ReportJson.stats(r.classStats())));
        return w;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
