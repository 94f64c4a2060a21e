package io.edgewatch.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * edgewatch's version, written once in the parent pom and carried here by the build: what
 * {@code --version} prints, what reports name as the inference server's version, and what the
 * health store keeps with each window.
 */
public final class Version {

    private static final Properties BUILD = read();

    /** Such as {@code 0.1.0}. */
    public static final String NUMBER = BUILD.getProperty("version");

    /** The git commit built, abbreviated, with {@code -dirty} when the tree had changes; {@code unknown} outside git. */
    public static final String COMMIT = commit();

    /** When it was built, UTC, such as {@code 2026-12-02T06:30:00Z}. */
    public static final String BUILT = known(BUILD.getProperty("built"));

    /** This daemon as an inference server version in Roboflow's reports: {@code edgewatch-NUMBER}. */
    public static final String INFERENCE_SERVER = "edgewatch-" + NUMBER;

    private Version() {
    }

    /** {@link #BUILT} as an instant; empty when the build did not say (a build outside Maven). */
    public static Optional<Instant> builtAt() {
        try {
            return BUILT.equals("unknown") ? Optional.empty() : Optional.of(Instant.parse(BUILT));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * The libraries built in, by name: {@code ffmpeg}, {@code opencv}, {@code onnxruntime} (the
     * versions of their Maven artifacts, such as {@code 8.0.1-1.5.13}: FFmpeg 8.0.1 as packaged by
     * JavaCPP 1.5.13), {@code javacv}.
     */
    public static Map<String, String> libraries() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : new String[] {"ffmpeg", "opencv", "onnxruntime", "javacv"}) {
            out.put(name, known(BUILD.getProperty(name)));
        }
        return out;
    }

    /** One line: {@code edgewatch 0.1.0 (commit abc123, built 2026-…; FFmpeg …, OpenCV …, ONNX Runtime …)}. */
    public static String describe() {
        Map<String, String> libs = libraries();
        return "edgewatch " + NUMBER + " (commit " + COMMIT + ", built " + BUILT + "; FFmpeg " + libs.get("ffmpeg")
                + ", OpenCV " + libs.get("opencv") + ", ONNX Runtime " + libs.get("onnxruntime") + ", JavaCV "
                + libs.get("javacv") + ")";
    }

    private static String commit() {
        String c = known(BUILD.getProperty("commit"));
        return "true".equals(BUILD.getProperty("dirty")) && !c.equals("unknown") ? c + "-dirty" : c;
    }

    /** A property Maven did not fill (no git, say) stays {@code ${…}}: say unknown. */
    private static String known(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
    }

    private static Properties read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the build of pipeline-core");
            }
            Properties p = new Properties();
            p.load(in);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
