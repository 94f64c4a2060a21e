package io.edgewatch.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real footage in {@code ../shared/fixtures}. Maven passes its location as the system property
 * {@code edgewatch.fixtures} (default: {@code ../shared/fixtures} beside the project); point it
 * elsewhere with {@code ./run-tests -Dedgewatch.fixtures=/path/to/fixtures}.
 */
public final class Fixtures {

    private Fixtures() {
    }

    /** {@code vtest.avi}: 768x576 pedestrians, 795 frames. */
    public static Path vtest() {
        return file("vtest.avi");
    }

    /** A file of the fixtures folder; fails with how to point at it when it is missing. */
    public static Path file(String name) {
        String dir = System.getProperty("edgewatch.fixtures", "../../shared/fixtures");
        Path file = Path.of(dir).resolve(name).toAbsolutePath().normalize();
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("fixture " + file + " not found: run the tests with "
                    + "-Dedgewatch.fixtures=DIR pointing at the shared fixtures folder (../shared/fixtures)");
        }
        return file;
    }
}
