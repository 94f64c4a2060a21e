package io.edgewatch.daemon.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values out of one YAML mapping, expanding {@code ${VAR}} and {@code ${VAR:-default}}
 * from the environment, and records a {@link ConfigError} for every bad value instead of stopping
 * at the first. Every read marks its key as known; {@link #rejectUnknownKeys()} then reports
 * every other key as an error, so a typo never silently becomes a default.
 */
final class Section {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private final List<ConfigError> errors;
    private final Path file;
    private final String path;
    private final YamlNode.Mapping node;
    private final Map<String, String> env;
    private final Set<String> known = new LinkedHashSet<>();
    /** Every default a read was given, by full key: what the README's tables must state. */
    private final Map<String, Set<String>> defaults;

    private Section(List<ConfigError> errors, Path file, String path, YamlNode.Mapping node, Map<String, String> env,
                    Map<String, Set<String>> defaults) {
        this.errors = errors;
        this.file = file;
        this.path = path;
        this.node = node;
        this.env = env;
        this.defaults = defaults;
    }

    /**
     * A section for a file whose top level is {@code root} (or an empty one when the file is
     * empty); the defaults its reads are given are added to {@code defaults}.
     */
    static Section root(List<ConfigError> errors, Path file, YamlNode root, Map<String, String> env,
                        Map<String, Set<String>> defaults) {
        if (root == null) {
            return new Section(errors, file, "", new YamlNode.Mapping(Map.of(), Map.of(), 1, 1), env, defaults);
        }
        if (root instanceof YamlNode.Mapping m) {
            return new Section(errors, file, "", m, env, defaults);
        }
        errors.add(new ConfigError(file, root.line(), root.column(), "", "expected a mapping of keys to values, found "
                + root.kind()));
        return new Section(errors, file, "", new YamlNode.Mapping(Map.of(), Map.of(), 1, 1), env, defaults);
    }

    private void noteDefault(String key, String value) {
        if (value != null) {
            defaults.computeIfAbsent(key(key), k -> new LinkedHashSet<>()).add(value);
        }
    }

    String key(String k) {
        return path.isEmpty() ? k : path + "." + k;
    }

    Path file() {
        return file;
    }

    boolean has(String key) {
        known.add(key);
        YamlNode n = node.entries().get(key);
        return n != null && !(n instanceof YamlNode.Scalar s && s.type() == YamlNode.Scalar.Type.NULL);
    }

    void error(String key, String message) {
        YamlNode n = node.entries().get(key);
        int[] pos = n != null ? new int[] {n.line(), n.column()} : new int[] {node.line(), node.column()};
        errors.add(new ConfigError(file, pos[0], pos[1], key(key), message));
    }

    /**
     * Checks what {@code run} would otherwise hit when it opens {@code path} for writing: a folder
     * ({@code folder}) or a file that, when it exists, is of that kind and writable, and that can
     * be created when it does not (its nearest existing parent is a writable folder).
     */
    void writable(String key, Path path, boolean folder) {
        Path absolute = path.toAbsolutePath().normalize();
        String what = folder ? "folder" : "file";
        if (Files.exists(absolute)) {
            if (folder != Files.isDirectory(absolute)) {
                error(key, absolute + " is " + (folder ? "not a folder" : "a folder, not a file"));
            } else if (!Files.isWritable(absolute)) {
                error(key, "the " + what + " " + absolute + " is not writable by this user");
            }
            return;
        }
        Path parent = absolute.getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent == null || !Files.isDirectory(parent)) {
            error(key, "the " + what + " " + absolute + " cannot be created: " + parent + " is not a folder");
        } else if (!Files.isWritable(parent)) {
            error(key, "the " + what + " " + absolute + " cannot be created: " + parent + " is not writable by this user");
        }
    }

    /** Where {@code key}'s value is, or the mapping's own position when it is missing. */
    int[] position(String key) {
        YamlNode n = node.entries().get(key);
        return n != null ? new int[] {n.line(), n.column()} : new int[] {node.line(), node.column()};
    }

    /** The expanded text of a scalar, or null when missing (or bad, after recording the error). */
    private String text(String key) {
        known.add(key);
        YamlNode n = node.entries().get(key);
        if (n == null) {
            return null;
        }
        if (!(n instanceof YamlNode.Scalar s)) {
            error(key, "expected a single value, found " + n.kind());
            return null;
        }
        if (s.type() == YamlNode.Scalar.Type.NULL) {
            return null;
        }
        String text = s.type() == YamlNode.Scalar.Type.STRING ? expand(key, s.text()) : s.text();
        if (text != null && text.indexOf('\0') >= 0) {
            // no path, URL or name holds one, and Java's paths refuse it
            error(key, "contains a NUL character: " + Echo.quote(text));
            return null;
        }
        return text;
    }

    private String expand(String key, String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null || (value.isEmpty() && m.group(2) != null)) {
                value = m.group(2);
            }
            if (value == null) {
                error(key, "environment variable " + m.group(1) + " is not set (write ${" + m.group(1)
                        + ":-default} to give a default)");
                return null;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    String string(String key, String def) {
        noteDefault(key, def);
        String t = text(key);
        return t == null || t.isEmpty() ? def : t;
    }

    /** True when {@code key} is written with an empty or blank text ({@code path: ''}), which {@link #string} reads as unset. */
    boolean writtenEmpty(String key) {
        return node.entries().get(key) instanceof YamlNode.Scalar sc && sc.type() == YamlNode.Scalar.Type.STRING
                && sc.text() != null && sc.text().isBlank();
    }

    String requiredString(String key) {
        String t = text(key);
        if (t == null || t.isBlank()) {
            if (!node.entries().containsKey(key) || errorsFor(key) == 0) {
                error(key, "is required");
            }
            return null;
        }
        return t;
    }

    private long errorsFor(String key) {
        String k = key(key);
        return errors.stream().filter(e -> e.file().equals(file) && e.key().equals(k)).count();
    }

    String oneOf(String key, String def, List<String> allowed) {
        String t = def == null ? requiredString(key) : string(key, def);
        if (t != null && !allowed.contains(t)) {
            error(key, Echo.quote(t) + " is not one of " + String.join(", ", allowed));
            return null;
        }
        return t;
    }

    boolean bool(String key, boolean def) {
        noteDefault(key, Boolean.toString(def));
        String t = text(key);
        if (t == null) {
            return def;
        }
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                error(key, "expected true or false, found " + Echo.quote(t));
                yield def;
            }
        };
    }

    int integer(String key, int def, int min, int max) {
        noteDefault(key, Integer.toString(def));
        String t = text(key);
        if (t == null) {
            return def;
        }
        try {
            long v = Long.parseLong(t.trim());
            if (v < min || v > max) {
                error(key, "must be between " + min + " and " + max + ", found " + v);
                return def;
            }
            return (int) v;
        } catch (NumberFormatException e) {
            error(key, "expected a whole number, found " + Echo.quote(t));
            return def;
        }
    }

    double number(String key, double def, double min, double max) {
        noteDefault(key, trim(def));
        String t = text(key);
        if (t == null) {
            return def;
        }
        try {
            double v = Double.parseDouble(t.trim());
            if (!(v >= min && v <= max)) {
                error(key, "must be between " + trim(min) + " and " + trim(max) + ", found " + t.trim());
                return def;
            }
            return v;
        } catch (NumberFormatException e) {
            error(key, "expected a number, found " + Echo.quote(t));
            return def;
        }
    }

    /** A number of seconds ({@code 2.5}) or a duration with a unit ({@code 500ms}, {@code 10s}, {@code 2m}). */
    Duration duration(String key, Duration def, Duration min) {
        noteDefault(key, def == null ? null : Durations.format(def));
        String t = text(key);
        if (t == null) {
            return def;
        }
        try {
            Duration d = Durations.parse(t);
            if (d.compareTo(min) < 0) {
                error(key, "must be at least " + Durations.format(min) + ", found " + t);
                return def;
            }
            return d;
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return def;
        }
    }

    /** True when {@code url} is an http(s) URL with a host; else records an error on {@code key} and says false. */
    boolean httpUrl(String key, String url, String example) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            u = null;
        }
        if (u == null || u.getScheme() == null || !u.getScheme().matches("https?") || u.getHost() == null) {
            error(key, Echo.quote(url) + " is not an http(s) URL (such as " + example + ")");
            return false;
        }
        return true;
    }

    /** An error at a place inside the value of {@code key} (a point of a polygon). */
    void errorAt(String key, int line, int column, String message) {
        errors.add(new ConfigError(file, line, column, key(key), message));
    }

    /**
     * A list of {@code [x, y]} points under {@code key}, each as {x, y, line, column}; empty when missing, and
     * every entry that is not two numbers an error (left out).
     */
    List<double[]> points(String key) {
        known.add(key);
        YamlNode n = node.entries().get(key);
        if (n == null || n instanceof YamlNode.Scalar sc && sc.type() == YamlNode.Scalar.Type.NULL) {
            return List.of();
        }
        if (!(n instanceof YamlNode.Sequence seq)) {
            error(key, "expected a list of [x, y] points, found " + n.kind());
            return List.of();
        }
        List<double[]> out = new ArrayList<>();
        for (YamlNode item : seq.items()) {
            double[] p = pair(item);
            if (p == null) {
                errors.add(new ConfigError(file, item.line(), item.column(), key(key), "expected a point [x, y] (two numbers), found "
                        + item.kind()));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** One {@code [x, y]} point under {@code key} as {x, y, line, column}, or null (missing, or an error when not a point). */
    double[] point(String key) {
        known.add(key);
        YamlNode n = node.entries().get(key);
        if (n == null || n instanceof YamlNode.Scalar sc && sc.type() == YamlNode.Scalar.Type.NULL) {
            return null;
        }
        double[] p = pair(n);
        if (p == null) {
            error(key, "expected a point [x, y] (two numbers), found " + n.kind());
        }
        return p;
    }

    private static double[] pair(YamlNode n) {
        if (!(n instanceof YamlNode.Sequence seq) || seq.items().size() != 2) {
            return null;
        }
        double[] out = {0, 0, n.line(), n.column()};
        for (int i = 0; i < 2; i++) {
            if (!(seq.items().get(i) instanceof YamlNode.Scalar v)
                    || v.type() != YamlNode.Scalar.Type.INTEGER && v.type() != YamlNode.Scalar.Type.FLOAT) {
                return null;
            }
            try {
                out[i] = Double.parseDouble(v.text());
            } catch (NumberFormatException e) {
                return null;
            }
            if (!Double.isFinite(out[i])) {
                return null;
            }
        }
        return out;
    }

    /** True when this mapping has no keys (a section that is missing, or written empty). */
    boolean isEmpty() {
        return node.entries().isEmpty();
    }

    /** The mapping under {@code key}, empty when missing. */
    Section section(String key) {
        known.add(key);
        YamlNode n = node.entries().get(key);
        if (n instanceof YamlNode.Mapping m) {
            return new Section(errors, file, key(key), m, env, defaults);
        }
        if (n != null && !(n instanceof YamlNode.Scalar s && s.type() == YamlNode.Scalar.Type.NULL)) {
            error(key, "expected a mapping of keys to values, found " + n.kind());
        }
        int[] pos = position(key);
        return new Section(errors, file, key(key), new YamlNode.Mapping(Map.of(), Map.of(), pos[0], pos[1]), env, defaults);
    }

    /** The mappings listed under {@code key}, in order (each named {@code key[]} in messages); empty when missing. */
    List<Section> sections(String key) {
        known.add(key);
        YamlNode n = node.entries().get(key);
        if (n == null || n instanceof YamlNode.Scalar sc && sc.type() == YamlNode.Scalar.Type.NULL) {
            return List.of();
        }
        if (!(n instanceof YamlNode.Sequence seq)) {
            error(key, "expected a list of mappings, found " + n.kind());
            return List.of();
        }
        List<Section> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlNode item = seq.items().get(i);
            if (item instanceof YamlNode.Mapping m) {
                out.add(new Section(errors, file, key(key) + "[]", m, env, defaults));
            } else {
                errors.add(new ConfigError(file, item.line(), item.column(), key(key) + "[" + i + "]",
                        "expected a mapping of keys to values, found " + item.kind()));
            }
        }
        return out;
    }

    /** A mapping of names to single values, as text exactly as written (after expansion). */
    Map<String, String> stringMap(String key) {
        Section s = section(key);
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : s.node.entries().keySet()) {
            String v = s.text(k);
            if (v != null) {
                out.put(k, v);
            } else if (s.node.entries().get(k) instanceof YamlNode.Scalar) {
                s.error(k, "needs a value");
            }
        }
        return out;
    }

    /** A list of single values, or {@code def} when missing. */
    List<String> stringList(String key, List<String> def) {
        known.add(key);
        YamlNode n = node.entries().get(key);
        if (n == null) {
            // an empty default is "none", which the README says in words
            noteDefault(key, def == null || def.isEmpty() ? null : "[" + String.join(", ", def) + "]");
            return def;
        }
        if (!(n instanceof YamlNode.Sequence seq)) {
            error(key, "expected a list, found " + n.kind());
            return def;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlNode item = seq.items().get(i);
            if (item instanceof YamlNode.Scalar s && s.text() != null) {
                out.add(s.type() == YamlNode.Scalar.Type.STRING ? expand(key, s.text()) : s.text());
            } else {
                errors.add(new ConfigError(file, item.line(), item.column(), key(key) + "[" + i + "]",
                        "expected a single value, found " + item.kind()));
            }
        }
        return out;
    }

    /** Records an error for every key of this mapping that nothing asked for. */
    void rejectUnknownKeys() {
        for (Map.Entry<String, YamlNode> e : node.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                int[] pos = node.keyPositions().getOrDefault(e.getKey(), new int[] {e.getValue().line(), e.getValue().column()});
                String hint = closest(e.getKey());
                errors.add(new ConfigError(file, pos[0], pos[1], key(e.getKey()), "unknown key"
                        + (hint != null ? "; did you mean '" + hint + "'?" : "") + " (known here: "
                        + String.join(", ", known) + ")"));
            }
        }
    }

    private String closest(String unknown) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(unknown, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Edit distance between two keys, for "did you mean" (also {@link KafkaReader}'s producer property names). */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
