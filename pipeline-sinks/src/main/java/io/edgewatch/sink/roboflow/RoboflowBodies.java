package io.edgewatch.sink.roboflow;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgewatch.core.aggregate.WindowReport;
import io.edgewatch.sink.json.ReportJson;
import io.edgewatch.sink.outbox.JsonRestamper;
import io.edgewatch.sink.outbox.Restamper;

/**
 * The request bodies of Model Monitoring (roboflow-api.md §2 and §3), byte for byte in the
 * reference's shape and key order.
 */
public final class RoboflowBodies {

    /** Local time without a zone, with microseconds, as Python's {@code datetime.now().isoformat()}. */
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RoboflowOptions options;
    private final Map<String, String> system;
    private final ZoneId zone;

    public RoboflowBodies(RoboflowOptions options, Map<String, String> system, ZoneId zone) {
        this.options = options;
        this.system = new LinkedHashMap<>(system);
        this.zone = zone;
    }

    /** {@code POST /{workspace}/inference-stats}: the window's most confident prediction per class. */
    public byte[] report(WindowReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", LocalDateTime.ofInstant(r.windowEnd(), zone).format(TIMESTAMP));
        m.put("source", options.source());
        m.put("source_info", options.sourceInfo());
        m.put("inference_results", ReportJson.results(r.inferenceResults()));
        m.put("device_id", options.deviceId());
        m.put("inference_server_version", options.version());
        m.putAll(system);
        return write(m);
    }

    /**
     * {@code POST /{workspace}/inference-stats/metadata}: every field of the camera's metadata
     * attached to every inference id reported in the window, one entry per field; null when there
     * is nothing to attach (no metadata, or an empty window).
     */
    public byte[] metadata(WindowReport r, Map<String, String> metadata) {
        List<String> ids = r.reportedInferenceIds();
        if (ids.isEmpty() || metadata.isEmpty()) {
            return null;
        }
        List<Map<String, Object>> data = new ArrayList<>();
        metadata.forEach((field, value) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("inference_ids", ids);
            e.put("field_name", field);
            e.put("field_value", value);
            data.add(e);
        });
        return write(Map.of("data", data));
    }

    /**
     * How these bodies are re-stamped after a clock step: a report's {@code timestamp} (local time, in this zone) moves,
     * a metadata request has no time; a flagged report says {@code "clock_suspect": true}.
     */
    public Restamper restamper() {
        return JsonRestamper.of(zone, "timestamp");
    }

    private static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
