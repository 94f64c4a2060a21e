package io.edgewatch.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped daemon ({@code edgewatch.jar} with the JVM options of its package) on N cameras of
 * FFmpeg's 640x480 test pattern at 25 fps, each watched by the motion detector: resident memory and
 * CPU once warm, and for 1, 2 and 4 cameras what each extra camera costs. Then a soak of the last
 * run: every 30 s its RSS, the live heap after the last collection and the rest of RSS (native:
 * frames, FFmpeg, OpenCV, thread stacks, code), and at the end each one's growth per hour after the
 * warm-up (least-squares slope).
 * With a second options file, only the soak runs: two daemons of four cameras side by side, one with
 * each file's options, so that both see the same machine over the same minutes (a baseline in the
 * same run).
 * Usage: {@code MemoryRun JAR OPTIONS_FILE|none [soak-minutes] [warm-up-seconds] [BASELINE_OPTIONS_FILE|none]}.
 */
public final class MemoryRun {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MemoryRun() {
    }

    /**
     * One sample of a running daemon: {@code rssMb} as read, {@code trimmedRssMb} right after the bench
     * asked the daemon's C heap to give back what it holds free ({@code jcmd System.trim_native_heap},
     * what the daemon itself does every minute); growth is measured on the trimmed figure, which has
     * no sawtooth of freed-but-kept memory between two trims.
     */
    private record Sample(double seconds, double rssMb, double trimmedRssMb, double liveHeapMb, double heapCommittedMb, double cpuSeconds,
            double jitMb) {
        double nativeMb() {
            return trimmedRssMb - heapCommittedMb;
        }

        /** Native memory less the JIT's (compiled code and the profiles in metaspace), when the daemon tracks it. */
        double nativeLessJitMb() {
            return nativeMb() - jitMb;
        }
    }

    public static void main(String[] args) throws Exception {
        // the daemons run a copy: a build during a soak (mvn package) rewrites the jar, and a JVM whose jar changes
        // under it fails to load its classes from then on (seen: the health endpoint's event loops gone)
        Path copy = Files.createTempDirectory("edgewatch-memory-jar");
        Path jar = copy.resolve("edgewatch.jar");
        copy.toFile().deleteOnExit(); // deleted in the reverse order: the jar, then its folder
        jar.toFile().deleteOnExit();
        Files.copy(Path.of(args[0]), jar);
        Settings options = Settings.of(Path.of(args[1]));
        int soakMinutes = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        if (args.length > 4) {
            soakSideBySide(jar, options, Settings.of(Path.of(args[4])), soakMinutes, warmUp);
            return;
        }
        System.out.printf(Locale.ROOT, "edgewatch memory: %s, JVM options %s, %d cores%n", jar.getFileName(), options,
                Runtime.getRuntime().availableProcessors());
        System.out.println("cameras | RSS MB  live heap MB  native MB | CPU % of a core | per extra camera: RSS MB  CPU %");
        double previousRss = 0;
        double previousCpu = 0;
        int previousCameras = 0;
        for (int cameras : new int[] {1, 2, 4}) {
            boolean soak = cameras == 4;
            try (Daemon d = Daemon.start(jar, options, cameras)) {
                Thread.sleep(warmUp * 1000L);
                Sample a = d.sample();
                Thread.sleep(30_000);
                Sample b = d.sample();
                double cpu = 100 * (b.cpuSeconds() - a.cpuSeconds()) / (b.seconds() - a.seconds());
                String marginal = previousCameras == 0 ? "                "
                        : String.format(Locale.ROOT, "%8.1f  %5.1f", (b.rssMb() - previousRss) / (cameras - previousCameras),
                                (cpu - previousCpu) / (cameras - previousCameras));
                System.out.printf(Locale.ROOT, "%7d | %6.1f %13.1f %10.1f | %15.1f | %s%s%n", cameras, b.rssMb(), b.liveHeapMb(),
                        b.nativeMb(), cpu, marginal, soak ? "   (target: RSS <= 300 MB)" : "");
                previousRss = b.rssMb();
                previousCpu = cpu;
                previousCameras = cameras;
                if (soak && soakMinutes > 0) {
                    soak(d, soakMinutes);
                }
            }
        }
    }

    private static void soak(Daemon d, int minutes) throws Exception {
        System.out.printf(Locale.ROOT, "%nsoak: 4 cameras for %d min more%n", minutes);
        List<List<Sample>> samples = soak(List.of(d), minutes);
        report("", samples.get(0));
    }

    /** Two daemons of four cameras at once, {@code options} against {@code baseline}: each one's slopes. */
    private static void soakSideBySide(Path jar, Settings options, Settings baseline, int minutes, int warmUp) throws Exception {
        System.out.printf(Locale.ROOT, "edgewatch soak side by side: %s, %d cores, 4 cameras each, %d s warm-up, %d min%n  A: %s%n  B: %s%n",
                jar.getFileName(), Runtime.getRuntime().availableProcessors(), warmUp, minutes, options, baseline);
        try (Daemon a = Daemon.start(jar, options, 4); Daemon b = Daemon.start(jar, baseline, 4)) {
            Thread.sleep(warmUp * 1000L);
            List<List<Sample>> samples = soak(List.of(a, b), minutes);
            report("A ", samples.get(0));
            report("B ", samples.get(1));
        }
    }

    /** Every 30 s for {@code minutes}, a sample of each daemon, printed as it is taken. */
    private static List<List<Sample>> soak(List<Daemon> daemons, int minutes) throws Exception {
        String names = daemons.size() == 1 ? "" : "daemon ";
        System.out.println(names + "elapsed_s  RSS_MB  trimmed_MB  live_heap_MB  native_MB  of_it_JIT_MB");
        List<List<Sample>> samples = new ArrayList<>();
        daemons.forEach(d -> samples.add(new ArrayList<>()));
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        boolean last = false;
        while (!last) {
            last = System.nanoTime() >= end;
            for (int i = 0; i < daemons.size(); i++) {
                Sample s = daemons.get(i).sample();
                samples.get(i).add(s);
                System.out.printf(Locale.ROOT, "%s%9.0f %7.1f %11.1f %13.1f %10.1f %13.1f%n", names.isEmpty() ? "" : "      " + (char) ('A' + i) + " ",
                        s.seconds(), s.rssMb(), s.trimmedRssMb(), s.liveHeapMb(), s.nativeMb(), s.jitMb());
            }
            if (!last) {
                Thread.sleep(30_000);
            }
        }
        return samples;
    }

    private static void report(String name, List<Sample> samples) {
        System.out.printf(Locale.ROOT, "%sgrowth per hour after the warm-up (least squares over %d samples): RSS trimmed %+.1f MB/h, live heap %+.1f MB/h,"
                        + " native %+.1f MB/h (target: <= 1 MB/h each)%n", name, samples.size(), slope(samples, Sample::trimmedRssMb),
                slope(samples, Sample::liveHeapMb), slope(samples, Sample::nativeMb));
        // native memory settles slower than the heap (code cache, C allocator): the second half alone says where it is going
        List<Sample> late = samples.subList(samples.size() / 2, samples.size());
        System.out.printf(Locale.ROOT, "%sthe second half alone (%d samples): RSS trimmed %+.1f MB/h, live heap %+.1f MB/h, native %+.1f MB/h%n",
                name, late.size(), slope(late, Sample::trimmedRssMb), slope(late, Sample::liveHeapMb), slope(late, Sample::nativeMb));
        if (samples.get(0).jitMb() > 0) {
            System.out.printf(Locale.ROOT, "%sof native: the JIT's (code cache, metaspace, compiler) %+.1f MB/h, the rest %+.1f MB/h;"
                            + " the second half: %+.1f and %+.1f MB/h%n", name, slope(samples, Sample::jitMb),
                    slope(samples, Sample::nativeLessJitMb), slope(late, Sample::jitMb), slope(late, Sample::nativeLessJitMb));
        }
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        System.out.printf(Locale.ROOT, "%sCPU over the soak: %.1f %% of a core; mean RSS %.1f MB as read, %.1f MB trimmed%n", name,
                100 * (last.cpuSeconds() - first.cpuSeconds()) / (last.seconds() - first.seconds()),
                samples.stream().mapToDouble(Sample::rssMb).average().orElse(0),
                samples.stream().mapToDouble(Sample::trimmedRssMb).average().orElse(0));
    }

    /** Least-squares slope of {@code y} against time, in MB per hour. */
    private static double slope(List<Sample> samples, ToDoubleFunction<Sample> y) {
        double n = samples.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (Sample s : samples) {
            double x = s.seconds() / 3600;
            double v = y.applyAsDouble(s);
            sx += x;
            sy += v;
            sxx += x * x;
            sxy += x * v;
        }
        return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    /**
     * What an options file like the package's {@code /etc/default/edgewatch} gives the daemon: the JVM
     * options of its {@code EDGEWATCH_JAVA_OPTS="..."} line and any other {@code NAME=value} line as an
     * environment variable (as systemd's {@code EnvironmentFile=} passes them), or nothing for {@code none}.
     */
    record Settings(List<String> jvm, Map<String, String> environment) {
        static Settings of(Path file) throws IOException {
            if (file.toString().equals("none")) {
                return new Settings(List.of(), Map.of());
            }
            List<String> jvm = null;
            Map<String, String> environment = new TreeMap<>();
            for (String line : Files.readAllLines(file)) {
                Matcher m = Pattern.compile("([A-Z_][A-Z0-9_]*)=\"?([^\"]*)\"?").matcher(line.trim());
                if (m.matches() && m.group(1).equals("EDGEWATCH_JAVA_OPTS")) {
                    jvm = List.of(m.group(2).trim().split("\\s+"));
                } else if (m.matches()) {
                    environment.put(m.group(1), m.group(2).trim());
                }
            }
            if (jvm == null) {
                throw new IllegalArgumentException(file + " sets no EDGEWATCH_JAVA_OPTS");
            }
            return new Settings(jvm, environment);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            environment.forEach((k, v) -> s.append(k).append('=').append(v).append(' '));
            return s.append(String.join(" ", jvm)).toString();
        }
    }

    /** The JVM options the package's {@code /etc/default/edgewatch} sets (its {@code EDGEWATCH_JAVA_OPTS="..."} line). */
    static List<String> options(Path file) throws IOException {
        return Settings.of(file).jvm();
    }

    /** The daemon as a child process on {@code cameras} test-pattern cameras, its health endpoint on a free port. */
    private static final class Daemon implements AutoCloseable {
        private final Process process;
        private final int port;
        private final long startNanos = System.nanoTime();
        private final Path dir;
        private final boolean tracksNativeMemory;

        private Daemon(Process process, int port, Path dir, boolean tracksNativeMemory) {
            this.process = process;
            this.port = port;
            this.dir = dir;
            this.tracksNativeMemory = tracksNativeMemory;
        }

        static Daemon start(Path jar, Settings options, int cameras) throws Exception {
            Path dir = Files.createTempDirectory("edgewatch-memory");
            Path cfg = dir.resolve("config");
            Files.createDirectories(cfg.resolve("cameras"));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Files.writeString(cfg.resolve("edgewatch.yaml"), """
                    storage:
                      path: %s
                    health:
                      port: %d
                    sinks:
                      jsonl:
                        path: %s
                    """.formatted(dir.resolve("var"), port, dir.resolve("reports.jsonl")));
            for (int i = 0; i < cameras; i++) {
                Files.writeString(cfg.resolve("cameras/pattern-" + i + ".yaml"), """
                        id: pattern-%d
                        source:
                          type: test_pattern
                          pattern: testsrc2
                          size: 640x480
                          rate: 25
                        inference:
                          type: motion
                          min_area: 400
                        aggregation:
                          frequency: 5
                        sinks: [jsonl]
                        """.formatted(i));
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(options.jvm());
            String extra = System.getenv("EDGEWATCH_DAEMON_JAVA_OPTS"); // scripts/profile: the profiler's agent
            if (extra != null && !extra.isBlank()) {
                command.addAll(List.of(extra.trim().split("\\s+")));
            }
            command.addAll(List.of("-jar", jar.toString(), "run", "--config", cfg.toString()));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(options.environment());
            Process p = builder.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("daemon.log").toFile())).start();
            return new Daemon(p, port, dir, command.stream().anyMatch(o -> o.startsWith("-XX:NativeMemoryTracking=")));
        }

        Sample sample() throws Exception {
            double rss = rssMb();
            jcmd("System.trim_native_heap");
            double trimmed = rssMb();
            String[] stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat")).split("\\) ")[1].split(" ");
            double cpu = (Long.parseLong(stat[11]) + Long.parseLong(stat[12])) / 100.0; // utime + stime in clock ticks (100/s)
            double live = 0;
            double committed = 0;
            try {
                String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
                for (String line : metrics.split("\n")) {
                    if (line.startsWith("jvm_gc_live_data_size_bytes")) {
                        live = value(line);
                    } else if (line.startsWith("jvm_memory_committed_bytes") && line.contains("area=\"heap\"")) {
                        committed += value(line);
                    }
                }
            } catch (IOException e) {
                System.out.println("   (metrics not read: " + e.getMessage() + "; see " + dir.resolve("daemon.log") + ")");
            }
            return new Sample((System.nanoTime() - startNanos) / 1e9, rss, trimmed, live / (1024 * 1024),
                    committed / (1024 * 1024), cpu, jitMb());
        }

        /**
         * With {@code -XX:NativeMemoryTracking=summary} among its options: the committed MB of
         * the code cache, metaspace and the compiler's arenas, which grow while the JIT still compiles
         * (rarely run paths reach its thresholds late); else 0.
         */
        private double jitMb() throws Exception {
            if (!tracksNativeMemory) {
                return 0;
            }
            String out = jcmd("VM.native_memory", "summary");
            double kb = 0;
            Matcher m = Pattern
                    .compile("-\\s+(Code|Metaspace|Compiler) \\(reserved=\\d+KB, committed=(\\d+)KB").matcher(out);
            while (m.find()) {
                kb += Double.parseDouble(m.group(2));
            }
            return kb / 1024;
        }

        private double rssMb() throws IOException {
            List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"));
            return status.stream().filter(l -> l.startsWith("VmRSS:")).mapToDouble(l -> Double.parseDouble(l.replaceAll("\\D", "")))
                    .findFirst().orElse(0) / 1024;
        }

        /** What {@code jcmd PID command...} prints. */
        private String jcmd(String... command) throws Exception {
            List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid())));
            line.addAll(List.of(command));
            Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return out;
        }

        private static double value(String line) {
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
