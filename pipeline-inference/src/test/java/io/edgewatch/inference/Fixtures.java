package io.edgewatch.inference;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real footage in {@code ../shared/fixtures}. Maven passes its location as the system property
 * {@code edgewatch.fixtures} (default: {@code ../shared/fixtures} beside the project); point it
 * elsewhere with {@code mvn test -Dedgewatch.fixtures=/path/to/fixtures}.
 */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path vtest() {
        String dir = System.getProperty("edgewatch.fixtures", "../../shared/fixtures");
        Path file = Path.of(dir).resolve("vtest.avi").toAbsolutePath().normalize();
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("fixture " + file + " not found: run the tests with "
                    + "-Dedgewatch.fixtures=DIR pointing at the shared fixtures folder (../shared/fixtures)");
        }
        return file;
    }
}
