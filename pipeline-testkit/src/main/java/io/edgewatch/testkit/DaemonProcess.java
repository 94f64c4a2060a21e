package io.edgewatch.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The daemon as a child process of the test JVM, on the test classpath, output appended to a log file.
 * It starts with SIGHUP, SIGINT and SIGTERM at their defaults, as systemd starts a service, whatever
 * the test run inherited: a process started with a signal ignored keeps it ignored (nohup ignores
 * SIGHUP, a shell ignores SIGINT for a script's background jobs), which would change what the daemon
 * does on them. coreutils' {@code env} (9.x) sets them, then becomes the daemon (same pid).
 */
public final class DaemonProcess {

    private DaemonProcess() {
    }

    /** Starts {@code main run --config cfg} (the {@code edgewatch} command's class) with {@code env} added to the environment. */
    public static Process run(Class<?> main, Path cfg, Path log, Map<String, String> env) throws Exception {
        return run(main, cfg, log, env, List.of());
    }

    /** The same, started with the signals {@code ignored} ({@code "HUP"}, say) ignored, as under nohup. */
    public static Process run(Class<?> main, Path cfg, Path log, Map<String, String> env, List<String> ignored) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,TERM"));
        if (!ignored.isEmpty()) {
            command.add("--ignore-signal=" + String.join(",", ignored));
        }
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), main.getName(), "run", "--config", cfg.toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return pb.start();
    }
}
