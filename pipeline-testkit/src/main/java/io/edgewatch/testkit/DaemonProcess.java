package io.edgewatch.testkit;

import java.nio.file.Path;
import java.util.Map;

/** The daemon as a child process of the test JVM, on the test classpath, output appended to a log file. */
public final class DaemonProcess {

    private DaemonProcess() {
    }

    /** Starts {@code main run --config cfg} (the {@code edgewatch} command's class) with {@code env} added to the environment. */
    public static Process run(Class<?> main, Path cfg, Path log, Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                main.getName(), "run", "--config", cfg.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return pb.start();
    }
}
