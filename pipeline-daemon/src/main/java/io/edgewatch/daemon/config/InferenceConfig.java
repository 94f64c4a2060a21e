package io.edgewatch.daemon.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.edgewatch.core.inference.InferenceAdapter;

/**
 * A camera's {@code inference:} section, one record per detector type. The keys every type has
 * ({@code type}, {@code model_id}, {@code max_in_flight}, {@code timeout}) are read here; each type's
 * record reads its own and makes its adapter. A new detector is one record, its entry in
 * {@link #TYPES}, and one row of the README.
 */
public sealed interface InferenceConfig
        permits ServerDetector, OnnxDetector, MotionDetector, HogDetector, CascadeDetector, NoDetector {

    /** {@code inference.timeout} when not set. */
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** The value of {@code type}. */
    String type();

    /** The model id reported. */
    String modelId();

    /** A threaded detector's {@code max_in_flight} when the file sets none: the {@link ThreadRule} decides. */
    int AUTO_IN_FLIGHT = 0;

    /** Frames of this camera in inference at once ({@link #AUTO_IN_FLIGHT}: the {@link ThreadRule}'s). */
    int maxInFlight();

    /** How long one inference may take. */
    Duration timeout();

    /** The adapter this section describes, on the detectors' shared resources. */
    InferenceAdapter create(String cameraId, DetectorContext context);

    /** Reads one type's section. */
    interface Reader {
        InferenceConfig read(Section s, Common common);
    }

    /** Every type, by its {@code type} value, in the order the README lists them. */
    Map<String, Reader> TYPES = types();

    private static Map<String, Reader> types() {
        Map<String, Reader> m = new LinkedHashMap<>();
        m.put(ServerDetector.TYPE, ServerDetector::read);
        m.put(OnnxDetector.TYPE, OnnxDetector::read);
        m.put(MotionDetector.TYPE, MotionDetector::read);
        m.put(HogDetector.TYPE, HogDetector::read);
        m.put(CascadeDetector.TYPE, CascadeDetector::read);
        m.put(NoDetector.TYPE, NoDetector::read);
        return Collections.unmodifiableMap(m);
    }

    /**
     * The camera's {@code inference:} section; null when its type is missing or unknown (the
     * error is recorded).
     *
     * @param workers {@code inference.workers}: a camera's {@code max_in_flight} when its type sets none
     * @param enabled whether the camera runs (files a disabled camera names need not exist)
     */
    static InferenceConfig read(Section s, int workers, boolean enabled) {
        String type = s.oneOf("type", null, List.copyOf(TYPES.keySet()));
        Duration timeout = s.duration("timeout", DEFAULT_TIMEOUT, Duration.ofMillis(10));
        InferenceConfig config = type == null ? null : TYPES.get(type).read(s, new Common(s, timeout, workers, enabled));
        s.rejectUnknownKeys();
        return config;
    }

    /** What every type reads alike. */
    final class Common {
        private final Section s;
        private final Duration timeout;
        private final int workers;
        private final boolean enabled;

        Common(Section s, Duration timeout, int workers, boolean enabled) {
            this.s = s;
            this.timeout = timeout;
            this.workers = workers;
            this.enabled = enabled;
        }

        Duration timeout() {
            return timeout;
        }

        boolean enabled() {
            return enabled;
        }

        /** {@code max_in_flight}, by default the worker count. */
        int maxInFlight() {
            return maxInFlight(workers);
        }

        /** {@code max_in_flight} of a detector with threads of its own: {@link #AUTO_IN_FLIGHT} when not written. */
        int maxInFlightByRule() {
            return maxInFlight(AUTO_IN_FLIGHT);
        }

        /** {@code max_in_flight} with the type's own default. */
        int maxInFlight(int def) {
            return s.integer("max_in_flight", def, 1, 256);
        }

        /** {@code model_id} with the type's default. */
        String modelId(String def) {
            return s.string("model_id", def);
        }
    }
}
