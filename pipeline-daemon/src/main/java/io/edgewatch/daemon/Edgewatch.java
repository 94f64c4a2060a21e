package io.edgewatch.daemon;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.Version;
import io.edgewatch.daemon.config.ConfigError;
import io.edgewatch.daemon.config.ConfigException;
import io.edgewatch.daemon.config.ConfigLoader;
import io.edgewatch.daemon.config.Durations;
import io.edgewatch.daemon.config.EdgewatchConfig;
import io.edgewatch.daemon.log.LogFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The {@code edgewatch} command. Exit codes: 0 done, 1 failed, 2 invalid configuration or usage. */
@Command(name = "edgewatch", mixinStandardHelpOptions = true, versionProvider = Edgewatch.VersionProvider.class,
        description = "Watches cameras, runs a detector on their frames and reports what it sees.",
        subcommands = {Edgewatch.Run.class, Edgewatch.Validate.class, OutboxCommand.class, StatusCommand.class})
public final class Edgewatch {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int INVALID = 2;
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("run")) {
            // the native libraries load while the rest starts
            NativePreload.start();
        }
        LogFormat.fromEnvironment();
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code. */
    public static int execute(String... args) {
        return new CommandLine(new Edgewatch()).execute(args);
    }

    /** Runs a command line with its output and errors going to the given writers. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new Edgewatch()).setOut(out).setErr(err).execute(args);
    }

    /** Loads the configuration, or prints every error and returns null. */
    static EdgewatchConfig loadOrReport(Path dir, PrintWriter err) {
        try {
            return ConfigLoader.load(dir);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            err.println(e.errors().size() + " error(s) in the configuration in " + dir);
            err.flush();
            return null;
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Checks a configuration folder; exits 0 when valid, 2 with every error otherwise.")
    static final class Validate implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOption options;

        @Override
        public Integer call() {
            Path config = options.config;
            EdgewatchConfig c = loadOrReport(config, options.spec.commandLine().getErr());
            if (c == null) {
                return INVALID;
            }
            PrintWriter out = options.spec.commandLine().getOut();
            out.println(config + ": valid; " + c.cameras().size() + " camera(s), " + c.enabledCameras().size() + " enabled");
            for (var cam : c.cameras()) {
                out.println("  " + cam.id() + (cam.enabled() ? "" : " (disabled)") + ": " + cam.file());
            }
            out.flush();
            return OK;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Runs every enabled camera until stopped (SIGTERM, Ctrl-C) or for --duration.")
    static final class Run implements Callable<Integer> {
        private static final Logger log = LoggerFactory.getLogger(Run.class);

        @CommandLine.Mixin
        ConfigOption options;

        @Option(names = "--duration", converter = DurationConverter.class,
                description = "stop cleanly after this long: 30s, 5m, 1h")
        Duration duration;

        @Override
        public Integer call() {
            EdgewatchConfig c = loadOrReport(options.config, options.spec.commandLine().getErr());
            if (c == null) {
                return INVALID;
            }
            // before anything loads ONNX Runtime: it reads where its libraries are once
            OnnxNatives.use(c.inference().onnxNativePath());
            NativePreload.cameras(c.enabledCameras());
            // the environment wins over the file: an operator's override for one run
            String env = System.getenv(LogFormat.VARIABLE);
            if (env == null || env.isBlank()) {
                LogFormat.apply(c.logFormat());
            }
            // the stop's grace ran out: the main thread closes (the outbox last) with cameras still stopping
            Sinks.Empty<Void> gaveUp = Sinks.empty();
            AtomicBoolean stopping = new AtomicBoolean();
            // taken over before the start, which takes seconds: a SIGTERM meanwhile is a clean stop once it is up, not
            // the JVM's exit 143 halfway through opening the outbox (seen when a stop came just after the start)
            AtomicReference<Daemon> started = new AtomicReference<>();
            AtomicReference<String> stopAsked = new AtomicReference<>();
            onSignal("TERM", "kill and systemctl stop will not stop it; SIGINT does",
                    () -> stopOrNote("SIGTERM received", started, stopAsked, stopping, gaveUp));
            onSignal("INT", "Ctrl-C and kill -INT will not stop it; SIGTERM does",
                    () -> stopOrNote("SIGINT received", started, stopAsked, stopping, gaveUp));
            Daemon daemon;
            try {
                daemon = Daemon.start(c);
            } catch (RuntimeException e) {
                log.error("edgewatch could not start: {}", e.getMessage());
                return FAILED;
            }
            synchronized (started) {
                started.set(daemon);
                if (stopAsked.get() != null) {
                    stop(stopAsked.get() + " during the start", daemon, stopping, gaveUp);
                }
            }
            // never the JVM's default for HUP (exit 129 without the open windows): a reload
            onSignal("HUP", "kill -HUP and systemctl reload will not reload it; POST /api/reload and edits of the camera"
                    + " files (watched) still do", () -> daemon.requestReload("SIGHUP"));
            if (duration != null) {
                Mono.delay(duration).subscribe(t -> stop("--duration " + Durations.format(duration) + " reached", daemon,
                        stopping, gaveUp));
            }
            try {
                Mono.firstWithSignal(daemon.completion(), gaveUp.asMono()).block();
            } finally {
                daemon.close();
            }
            log.info("edgewatch stopped");
            return daemon.allCamerasFailed() ? FAILED : OK;
        }

        /**
         * Stops within {@link #SHUTDOWN_GRACE} whatever hangs (a detector or a sink that never
         * answers): past it {@code gaveUp} lets the main thread close the daemon, so the outbox is
         * closed cleanly and the process exits 0 before systemd's SIGKILL (TimeoutStopSec 90 s: the
         * 20 s grace, then the senders' one closing grace, all of them at once).
         * A second signal during a stop starts no second wait.
         */
        /** Stops the daemon once it is started; before, notes the stop for the start to carry out. */
        private static void stopOrNote(String why, AtomicReference<Daemon> started, AtomicReference<String> stopAsked,
                                       AtomicBoolean stopping, Sinks.Empty<Void> gaveUp) {
            synchronized (started) {
                Daemon daemon = started.get();
                if (daemon == null) {
                    if (!stopAsked.compareAndSet(null, why)) {
                        // a second signal: whoever sends it does not want to wait for a start that may hang
                        log.warn("{} again while starting: exiting now", why);
                        Runtime.getRuntime().halt(143);
                    }
                    log.info("{} while starting: stopping as soon as the start is done (up to {} s; a second signal exits"
                            + " now)", why, SHUTDOWN_GRACE.toSeconds());
                    // a start stuck in a native call (a TensorRT build, a camera's open) must not keep the stop waiting
                    // for systemd's SIGKILL: after the grace the process exits as the JVM would have
                    Thread t = new Thread(() -> {
                        try {
                            Thread.sleep(SHUTDOWN_GRACE.toMillis());
                        } catch (InterruptedException e) {
                            return;
                        }
                        synchronized (started) {
                            if (started.get() == null) {
                                log.warn("the start has not ended {} s after {}: exiting", SHUTDOWN_GRACE.toSeconds(), why);
                                Runtime.getRuntime().halt(143);
                            }
                        }
                    }, "edgewatch-start-stop");
                    t.setDaemon(true);
                    t.start();
                    return;
                }
                stop(why, daemon, stopping, gaveUp);
            }
        }

        private static void stop(String why, Daemon daemon, AtomicBoolean stopping, Sinks.Empty<Void> gaveUp) {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            log.info("{}: closing windows and stopping (up to {} s)", why, SHUTDOWN_GRACE.toSeconds());
            Thread t = new Thread(() -> {
                if (!daemon.stopAndWait(SHUTDOWN_GRACE)) {
                    gaveUp.tryEmitEmpty();
                }
            }, "edgewatch-stop");
            t.setDaemon(true);
            t.start();
        }

        /**
         * Runs {@code action} on signal {@code name} instead of the JVM's default (SIGTERM and
         * SIGINT: a clean stop, exit code 0, not 143/130; SIGHUP: not exit 129). sun.misc.Signal is
         * the JDK's only signal API; it is reached by reflection because javac flags direct use of
         * it as internal API. A signal ignored since the process started stays ignored (the JVM
         * leaves it so); that is logged with {@code what} it means.
         */
        private static void onSignal(String name, String what, Runnable action) {
            try {
                Class<?> signalClass = Class.forName("sun.misc.Signal");
                Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
                Object handler = Proxy.newProxyInstance(Edgewatch.class.getClassLoader(), new Class<?>[] {handlerClass},
                        (proxy, method, args) -> {
                            if (method.getName().equals("handle")) {
                                action.run();
                                return null;
                            }
                            return method.getName().equals("hashCode") ? System.identityHashCode(proxy)
                                    : method.getName().equals("equals") ? proxy == args[0] : "edgewatch-signal-handler";
                        });
                Object signal = signalClass.getConstructor(String.class).newInstance(name);
                Object previous = signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
                // a signal this process was started with ignored stays ignored: the JVM does not take it over
                // (nohup ignores SIGHUP; a shell ignores SIGINT for the jobs of a script it runs in the background)
                if (previous == handlerClass.getField("SIG_IGN").get(null)) {
                    log.warn("SIG{} is ignored by this process: it started with SIG{} ignored (nohup does that to SIGHUP, a shell"
                            + " to SIGINT for a script's background jobs), and the JVM keeps it so: {}", name, name, what);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.debug("cannot handle SIG{} ({}); the JVM's default applies", name, e.toString());
            }
        }
    }

    /** {@code --version}: the build's version. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Version.describe()};
        }
    }

    /** {@code --config}, shared by the commands that read a configuration. */
    static final class ConfigOption {
        @Option(names = "--config", defaultValue = "config", description = "configuration folder (default: ${DEFAULT-VALUE})")
        Path config;

        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec spec;
    }

    /** Parses {@code --duration}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
