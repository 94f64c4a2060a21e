package io.edgewatch.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * edgewatch's version, written once in the parent pom and carried here by the build: what
 * {@code --version} prints, what reports name as the inference server's version, and what the
 * health store keeps with each window.
 */
public final class Version {

    /** Such as {@code 0.1.0}. */
    public static final String NUMBER = read();

    /** This daemon as an inference server version in Roboflow's reports: {@code edgewatch-NUMBER}. */
    public static final String INFERENCE_SERVER = "edgewatch-" + NUMBER;

    private Version() {
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from the build of pipeline-core");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
