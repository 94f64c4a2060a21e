package io.edgewatch.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's mosquitto as a child process on 127.0.0.1 and a free port, with a configuration file
 * this writes (its listener, {@code persistence false}, and the lines a test adds: a
 * {@code password_file}, TLS settings); output in {@code mosquitto.log} beside it. The broker can
 * be killed ({@link #kill}, SIGKILL), started again on the same port ({@link #start}), frozen and
 * thawed ({@link #freeze}, {@link #thaw}: SIGSTOP, SIGCONT) and told to read its password file
 * again ({@link #reload}, SIGHUP). {@link #close} kills it.
 */
public final class Mosquitto implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final List<String> extra;
    private Process process;

    private Mosquitto(Path dir, int port, List<String> extra) {
        this.dir = dir;
        this.port = port;
        this.extra = List.copyOf(extra);
    }

    /** Whether {@code mosquitto} is installed (scripts/install-test-deps installs it). */
    public static boolean installed() {
        return Files.isExecutable(Path.of("/usr/sbin/mosquitto"));
    }

    /** A broker in {@code dir}, not started, anonymous clients allowed unless {@code extra} says otherwise. */
    public static Mosquitto in(Path dir, String... extra) {
        return new Mosquitto(dir, freePort(), List.of(extra));
    }

    /** A started broker allowing anonymous clients. */
    public static Mosquitto start(Path dir, String... extra) {
        return in(dir, extra).start();
    }

    /** A free TCP port on 127.0.0.1 now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    /** Starts it (again: on the same port, with the same configuration); returns once it listens. */
    public synchronized Mosquitto start() {
        if (process != null && process.isAlive()) {
            return this;
        }
        try {
            Files.createDirectories(dir);
            List<String> lines = new ArrayList<>();
            lines.add("listener " + port + " 127.0.0.1");
            if (extra.stream().noneMatch(l -> l.startsWith("persistence"))) {
                lines.add("persistence false");
            }
            if ("root".equals(System.getProperty("user.name"))) {
                // as root it would become user mosquitto, who cannot read the test's private temporary folder
                lines.add("user root");
            }
            lines.add("log_dest stdout");
            lines.add("log_type error");
            lines.add("log_type warning");
            lines.add("log_type notice");
            lines.add("log_timestamp_format %Y-%m-%dT%H:%M:%S");
            if (extra.stream().noneMatch(l -> l.startsWith("password_file") || l.startsWith("allow_anonymous")
                    || l.startsWith("require_certificate"))) {
                lines.add("allow_anonymous true");
            }
            lines.addAll(extra);
            Path conf = dir.resolve("mosquitto.conf");
            Files.write(conf, lines, StandardCharsets.UTF_8);
            process = new ProcessBuilder("/usr/sbin/mosquitto", "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile()))
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!listening()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("mosquitto exited with " + process.exitValue() + ": "
                            + Files.readString(dir.resolve("mosquitto.log")));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("mosquitto does not listen on " + port + " after 10 s");
                }
                Thread.sleep(20);
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM (mosquitto saves its persistence file), and waits for it to be gone. */
    public synchronized void stop() {
        if (process != null) {
            thaw();
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGKILL, and waits for it to be gone. */
    public synchronized void kill() {
        if (process != null) {
            thaw();
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGSTOP: connections stay open, nothing is answered. */
    public synchronized void freeze() {
        signal("STOP");
    }

    /** SIGCONT. */
    public synchronized void thaw() {
        signal("CONT");
    }

    /** SIGHUP: reads its password file (and ACL) again. */
    public synchronized void reload() {
        signal("HUP");
    }

    private void signal(String name) {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes a {@code password_file} of the users and passwords {@code userThenPassword} lists in turn (with
     * {@code mosquitto_passwd -b}); give it with {@code password_file PATH}.
     */
    public static Path passwordFile(Path file, String... userThenPassword) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.deleteIfExists(file);
            Files.createFile(file);
            for (int i = 0; i + 1 < userThenPassword.length; i += 2) {
                Process p = new ProcessBuilder("mosquitto_passwd", "-b", file.toString(), userThenPassword[i], userThenPassword[i + 1])
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("mosquitto_passwd failed: " + out);
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What it logged. */
    public String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public synchronized void close() {
        kill();
    }
}
