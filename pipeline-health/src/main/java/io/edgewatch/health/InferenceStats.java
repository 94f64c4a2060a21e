package io.edgewatch.health;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.aggregate.ConfidenceHistogram;

/**
 * Roboflow's inference statistics ({@code GET /{workspace}/inference-stats}, roboflow-api.md §5)
 * computed from the windows the health store kept: the same JSON shape, the same parameters
 * ({@code startTime}, {@code endTime} as {@code YYYY-MM-DD HH:mm:ss} in the daemon's time zone,
 * {@code modelNames} comma-separated) and defaults (no start: 24 hours before the request; no
 * end: now), with every figure also given for the preceding period of equal length
 * ({@code prev_*}).
 *
 * <p>What the figures count, locally: an inference is a frame a model answered; {@code num_errors}
 * are frames whose inference failed (of the camera's own model); confidences are over every
 * prediction; response time is the adapter's whole call per frame, in seconds. A window belongs
 * to the period its end falls in. Averages with nothing to average are {@code null}; so are the
 * per-class error counts, since a failed inference has no class.
 */
public final class InferenceStats {

    /** {@code YYYY-MM-DD HH:mm:ss}: how the endpoint (and the configuration's pinned baselines) write local times. */
    public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss").withResolverStyle(ResolverStyle.STRICT);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What {@code deployment_types} says of every row: these inferences ran on an edge box. */
    static final String DEPLOYMENT_TYPE = "edge";
    /** The longest period one request may ask for: with the one before it, two years of rows at most are read. */
    static final Duration MAX_RANGE = Duration.ofDays(366);

    private InferenceStats() {
    }

    /** A bad parameter: the message says which and why; served as 400. */
    public static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /**
     * The period a request asks for.
     *
     * @param from inclusive
     * @param to exclusive
     * @param models the models asked for; empty for all
     */
    public record Query(Instant from, Instant to, Set<String> models) {

        /** The preceding period of equal length. */
        Instant previousFrom() {
            return from.minus(Duration.between(from, to));
        }

        /**
         * Reads the query parameters (null or blank: the default).
         *
         * @throws BadRequest naming the parameter
         */
        public static Query parse(String startTime, String endTime, String modelNames, Instant now, ZoneId zone) {
            Instant to = blank(endTime) ? now : time("endTime", endTime, zone);
            Instant from = blank(startTime) ? now.minus(Duration.ofHours(24)) : time("startTime", startTime, zone);
            if (!from.isBefore(to)) {
                throw new BadRequest("startTime (" + TIME.format(from.atZone(zone)) + ") must be before endTime ("
                        + TIME.format(to.atZone(zone)) + ")" + (blank(startTime) ? ": with no startTime the period starts 24 hours ago" : ""));
            }
            if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
                throw new BadRequest("startTime to endTime spans more than " + MAX_RANGE.toDays() + " days");
            }
            Set<String> models = blank(modelNames) ? Set.of()
                    : Arrays.stream(modelNames.split(",")).map(String::trim).filter(m -> !m.isEmpty())
                    .collect(Collectors.toCollection(TreeSet::new));
            return new Query(from, to, models);
        }

        private static boolean blank(String s) {
            return s == null || s.isBlank();
        }

        private static Instant time(String name, String value, ZoneId zone) {
            try {
                return LocalDateTime.parse(value.trim(), TIME).atZone(zone).toInstant();
            } catch (DateTimeException e) {
                throw new BadRequest(name + ": '" + value + "' is not a time of the form YYYY-MM-DD HH:mm:ss (" + zone + ")");
            }
        }
    }

    /**
     * The statistics of the query's period against the one before, read from {@code store}: its
     * rows are folded into per-(model, class) sums as they stream in, so the memory of a read is
     * that of its rows of the answer, not of the windows it read. Blocking.
     */
    public static ObjectNode compute(Query query, HealthStore store) {
        Period now = new Period(query);
        Period before = new Period(query);
        store.windows(null, query.from(), query.to(), now::add);
        store.windows(null, query.previousFrom(), query.from(), before::add);
        return compute(now, before);
    }

    /** The statistics of {@code current} (the query's period), against {@code previous} (the one before). */
    public static ObjectNode compute(Query query, List<StoredWindow> current, List<StoredWindow> previous) {
        Period now = new Period(query);
        Period before = new Period(query);
        current.forEach(now::add);
        previous.forEach(before::add);
        return compute(now, before);
    }

    private static ObjectNode compute(Period now, Period before) {
        ObjectNode root = JSON.createObjectNode();
        root.put("num_inferences", now.inferences).put("prev_num_inferences", before.inferences);
        root.put("num_errors", now.errors).put("prev_num_errors", before.errors);
        putRatio(root, "avg_confidence", now.confidenceSum, now.predictions);
        putRatio(root, "prev_avg_confidence", before.confidenceSum, before.predictions);
        putRatio(root, "avg_response_time", now.callMillis / 1000, now.inferences);
        putRatio(root, "prev_avg_response_time", before.callMillis / 1000, before.inferences);
        var rows = root.putArray("inference_stats");
        now.classes.values().stream()
                .sorted(Comparator.comparing((Row r) -> r.model).thenComparing(r -> r.className.isEmpty())
                        .thenComparing(Comparator.comparingLong((Row r) -> r.count).reversed()).thenComparing(r -> r.className))
                .forEach(r -> {
                    Row p = before.classes.getOrDefault(r.key(), new Row(r.model, r.className));
                    ObjectNode n = rows.addObject();
                    n.put("model_name", r.model).put("predicted_class", r.className);
                    n.put("num_inferences", r.frames).put("prev_num_inferences", p.frames);
                    n.putNull("num_errors").putNull("prev_num_errors");
                    putRatio(n, "avg_confidence", r.confidenceSum, r.count);
                    putRatio(n, "prev_avg_confidence", p.confidenceSum, p.count);
                    putRatio(n, "avg_response_time", r.callMillis / 1000, r.frames);
                    putRatio(n, "prev_avg_response_time", p.callMillis / 1000, p.frames);
                    double median = r.count == 0 ? Double.NaN : r.histogram().quantile(0.5, r.min, r.max);
                    if (Double.isNaN(median)) {
                        n.putNull("median_confidence");
                    } else {
                        n.put("median_confidence", median);
                    }
                    n.put("class_count", r.count);
                    n.put("deployment_types", DEPLOYMENT_TYPE);
                    n.put("inference_server_versions", String.join(",", now.versions.getOrDefault(r.model, new TreeSet<>())));
                    n.put("model_num_inferences", now.modelInferences.getOrDefault(r.model, 0L));
                    n.put("prev_model_num_inferences", before.modelInferences.getOrDefault(r.model, 0L));
                });
        return root;
    }

    /** A (model, class) row's key. */
    private static String key(String model, String className) {
        return model + "\u0000" + className;
    }

    private static void putRatio(ObjectNode n, String key, double sum, long count) {
        if (count == 0) {
            n.putNull(key);
        } else {
            n.put(key, sum / count);
        }
    }

    /** One period's sums, the windows of the models asked for added one at a time. */
    private static final class Period {
        private final Predicate<StoredWindow> asked;
        long inferences;
        long errors;
        long predictions;
        double confidenceSum;
        double callMillis;
        final Map<String, Long> modelInferences = new LinkedHashMap<>();
        final Map<String, TreeSet<String>> versions = new LinkedHashMap<>();
        final Map<String, Row> classes = new LinkedHashMap<>();

        Period(Query query) {
            this.asked = w -> query.models().isEmpty() || query.models().contains(w.model());
        }

        void add(StoredWindow w) {
            if (!asked.test(w)) {
                return;
            }
            inferences += w.inferred();
            errors += w.errors();
            callMillis += w.callMillis();
            modelInferences.merge(w.model(), w.inferred(), Long::sum);
            if (w.inferred() > 0) {
                versions.computeIfAbsent(w.model(), k -> new TreeSet<>()).add(w.version());
            }
            for (StoredWindow.ClassRow c : w.classes()) {
                predictions += c.count();
                confidenceSum += c.confidenceSum();
                Row r = classes.computeIfAbsent(key(w.model(), c.name()), k -> new Row(w.model(), c.name()));
                r.frames += c.frames();
                r.count += c.count();
                r.confidenceSum += c.confidenceSum();
                r.callMillis += c.callMillis();
                r.min = Math.min(r.min, c.min());
                r.max = Math.max(r.max, c.max());
                c.bins().forEach((bin, n) -> r.bins[bin] += n);
            }
            if (w.empty() > 0) {
                // inferences that predicted nothing: the row whose predicted_class is ""
                Row r = classes.computeIfAbsent(key(w.model(), ""), k -> new Row(w.model(), ""));
                r.frames += w.empty();
                r.callMillis += w.emptyCallMillis();
            }
        }
    }

    /** One (model, class) over a period. */
    private static final class Row {
        final String model;
        final String className;
        long frames;
        long count;
        double confidenceSum;
        double callMillis;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        final long[] bins = new long[ConfidenceHistogram.BINS];

        Row(String model, String className) {
            this.model = model;
            this.className = className;
        }

        String key() {
            return InferenceStats.key(model, className);
        }

        ConfidenceHistogram histogram() {
            return ConfidenceHistogram.of(bins);
        }
    }
}
