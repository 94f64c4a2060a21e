package io.edgewatch.daemon.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import io.edgewatch.core.sample.SampleLimits;
import io.edgewatch.core.sample.SampleRule;
import io.edgewatch.core.sample.SampleStrategy;
import io.edgewatch.sink.roboflow.DatasetOptions;
import io.edgewatch.sink.samples.SampleImage;

/**
 * A camera file's {@code samples:}. Every strategy has a unique {@code name} and a {@code type};
 * only the keys of its type are known. Camera-wide credits default to the reference's dataset
 * upload block (10 a minute, 100 an hour, 1000 a day); a strategy's own are unbounded unless set.
 */
final class SamplesReader {

    static final List<String> TYPES = List.of("random", "close_to_threshold", "detections_number", "classes", "while_alert",
            "unseen_class");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9_-]{0,127}");

    private SamplesReader() {
    }

    /** {@code samples:}; {@code datasetKey} says whether {@code roboflow.api_key} is set in edgewatch.yaml. */
    static SamplesConfig read(Section s, boolean datasetKey) {
        List<SampleStrategy> strategies = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Section> written = s.sections("strategies");
        if (written.isEmpty()) {
            s.error("strategies", "samples need at least one strategy (" + String.join(", ", TYPES) + ")");
        }
        for (Section st : written) {
            SampleStrategy one = strategy(st, names);
            if (one != null) {
                strategies.add(one);
            }
        }
        SampleLimits limits = limits(s.section("limits"), 10, 100, 1000);
        int quality = s.integer("jpeg_quality", SampleImage.DEFAULTS.quality(), 1, 100);
        int maxWidth = s.integer("max_width", SampleImage.DEFAULTS.maxWidth(), 16, 16_384);
        int maxHeight = s.integer("max_height", SampleImage.DEFAULTS.maxHeight(), 16, 16_384);
        Section rf = s.section("roboflow");
        String project = rf.string("project", null);
        if (project != null && !SLUG.matcher(project).matches()) {
            rf.error("project", Echo.quote(project) + " is not a project slug (lower-case letters, digits, '-', '_'), as in"
                    + " app.roboflow.com/<workspace>/<project>");
            project = null;
        } else if (project != null && !datasetKey) {
            rf.error("project", "samples go to a Roboflow dataset with the key of edgewatch.yaml: set roboflow.api_key there"
                    + " (or leave samples.roboflow out to keep samples on the box only)");
        }
        String prefix = rf.string("batch_prefix", DatasetOptions.DEFAULT_BATCH_PREFIX);
        if (!NAME.matcher(prefix).matches()) {
            rf.error("batch_prefix", Echo.quote(prefix) + " is not a batch name (letters, digits, '_', '-', '.', at most 64)");
        }
        String every = rf.oneOf("batch_recreation", "never", List.of("never", "daily", "weekly", "monthly"));
        List<String> tags = tags(rf, "tags");
        rf.rejectUnknownKeys();
        s.rejectUnknownKeys();
        return new SamplesConfig(strategies, limits, new SampleImage(quality, maxWidth, maxHeight), project, prefix,
                DatasetOptions.Recreation.valueOf((every == null ? "never" : every).toUpperCase(Locale.ROOT)), tags);
    }

    private static SampleStrategy strategy(Section st, Set<String> names) {
        String name = st.requiredString("name");
        if (name != null && !NAME.matcher(name).matches()) {
            st.error("name", Echo.quote(name) + " is not a strategy name (letters, digits, '_', '-', '.', at most 64)");
        } else if (name != null && !names.add(name)) {
            st.error("name", "strategy name '" + name + "' is used twice in this camera");
        }
        String type = st.requiredString("type");
        if (type != null && !TYPES.contains(type)) {
            st.error("type", "unknown strategy type " + Echo.quote(type) + "; types: " + String.join(", ", TYPES));
            type = null;
        }
        double probability = st.number("probability", 1.0, 0, 1);
        List<String> tags = tags(st, "tags");
        SampleLimits limits = limits(st.section("limits"), SampleLimits.UNBOUNDED, SampleLimits.UNBOUNDED, SampleLimits.UNBOUNDED);
        SampleRule rule = type == null ? null : switch (type) {
            case "random" -> new SampleRule.Random();
            case "close_to_threshold" -> {
                required(st, "threshold", type);
                required(st, "epsilon", type);
                double threshold = st.number("threshold", 0.5, 0, 1);
                double epsilon = st.number("epsilon", 0.1, 0, 1);
                int minimum = st.integer("minimum", 1, 1, 10_000);
                yield new SampleRule.CloseToThreshold(threshold, epsilon, classes(st, false), minimum);
            }
            case "detections_number" -> {
                if (!st.has("more_than") && !st.has("less_than")) {
                    st.error("type", "detections_number needs more_than, less_than or both");
                }
                int more = st.integer("more_than", -1, -1, 1_000_000);
                int less = st.integer("less_than", Integer.MAX_VALUE, 0, Integer.MAX_VALUE);
                if (more >= less - 1 && st.has("more_than") && st.has("less_than")) {
                    st.error("less_than", "no count is more than " + more + " and less than " + less);
                }
                yield new SampleRule.DetectionsNumber(more, less, classes(st, false));
            }
            case "classes" -> new SampleRule.Classes(classes(st, true));
            case "while_alert" -> new SampleRule.WhileAlert();
            case "unseen_class" -> new SampleRule.UnseenClass();
            default -> throw new IllegalStateException(type);
        };
        st.rejectUnknownKeys();
        return name == null || rule == null ? null : new SampleStrategy(name, rule, probability, tags, limits);
    }

    private static void required(Section st, String key, String type) {
        if (!st.has(key)) {
            st.error(key, type + " needs " + key + " (a number in [0, 1])");
        }
    }

    private static Set<String> classes(Section st, boolean required) {
        List<String> classes = st.stringList("classes", List.of());
        if (required && classes.isEmpty()) {
            st.error("classes", "classes needs the class names to look for, as a list");
        }
        return new LinkedHashSet<>(classes);
    }

    private static SampleLimits limits(Section s, int minute, int hour, int day) {
        int m = s.integer("minute", minute, 0, Integer.MAX_VALUE);
        int h = s.integer("hour", hour, 0, Integer.MAX_VALUE);
        int d = s.integer("day", day, 0, Integer.MAX_VALUE);
        s.rejectUnknownKeys();
        return new SampleLimits(m, h, d);
    }

    /** Roboflow takes 1 to 64 characters of {@code a-zA-Z0-9-_:/.[]<>{}@} in a tag. */
    private static List<String> tags(Section s, String key) {
        List<String> tags = s.stringList(key, List.of());
        for (String t : tags) {
            if (!t.matches("[a-zA-Z0-9\\-_:/.\\[\\]<>{}@]{1,64}")) {
                s.error(key, "tag " + Echo.quote(t) + " is not one Roboflow takes (1 to 64 of a-z A-Z 0-9 - _ : / . [ ] < > { } @)");
            }
        }
        return tags;
    }
}
