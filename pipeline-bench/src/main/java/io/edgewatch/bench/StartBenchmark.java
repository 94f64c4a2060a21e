package io.edgewatch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Start to first frame of the shipped daemon ({@code edgewatch.jar}, the package's JVM options) on
 * the example configuration (one test-pattern camera, motion detector): the time from the process's
 * start to its camera's first frame, as the daemon logs it, without class-data sharing and with the
 * AppCDS archive the launcher makes (written by a first clean stop), runs alternating, warm (the
 * natives unpacked, the files in the page cache); and with the archive but the native libraries loaded
 * where they are first used instead of beside the rest of the start ({@code -Dedgewatch.preload=false}).
 * Medians, and their ratios.
 * Usage: {@code StartBenchmark JAR OPTIONS_FILE CONFIG_DIR [runs]}.
 */
public final class StartBenchmark {

    private static final Pattern FIRST_FRAME = Pattern.compile("first frame after (\\d+) ms \\(\\d+x\\d+; (\\d+) ms since the process started\\)");

    private StartBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        List<String> options = MemoryRun.options(Path.of(args[1]));
        Path config = Path.of(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        Path work = Files.createTempDirectory("edgewatch-start");
        Path archive = work.resolve("edgewatch.jsa");
        System.out.printf(Locale.ROOT, "edgewatch start: %s on %s, %d runs each, %d cores%n", jar.getFileName(), config,
                runs, Runtime.getRuntime().availableProcessors());
        run(jar, options, config, work, List.of()); // warm: natives unpacked, files cached
        run(jar, options, config, work, List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        System.out.printf(Locale.ROOT, "archive %s: %.1f MB, made by one clean stop%n", archive.getFileName(), Files.size(archive) / 1e6);
        List<long[]> off = new ArrayList<>();
        List<long[]> on = new ArrayList<>();
        List<long[]> serial = new ArrayList<>();
        List<String> cds = List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        List<String> cdsSerial = new ArrayList<>(cds);
        cdsSerial.add("-Dedgewatch.preload=false");
        for (int i = 0; i < runs; i++) {
            off.add(run(jar, options, config, work, List.of()));
            on.add(run(jar, options, config, work, cds));
            serial.add(run(jar, options, config, work, cdsSerial));
        }
        long offProcess = median(off, 1);
        long onProcess = median(on, 1);
        System.out.printf(Locale.ROOT, "without CDS: process start to first frame %5d ms (pipeline start to first frame %4d ms)%n",
                offProcess, median(off, 0));
        System.out.printf(Locale.ROOT, "with AppCDS: process start to first frame %5d ms (pipeline start to first frame %4d ms)"
                + "   ratio %.2f (target: <= 1500 ms)%n", onProcess, median(on, 0), onProcess / (double) offProcess);
        long serialProcess = median(serial, 1);
        System.out.printf(Locale.ROOT, "with AppCDS, natives loaded at first use (-Dedgewatch.preload=false): %5d ms; preloading"
                + " beside the start: ratio %.2f%n", serialProcess, onProcess / (double) serialProcess);
    }

    /** One daemon run until its first frame: {pipeline start to first frame, process start to first frame} in ms. */
    private static long[] run(Path jar, List<String> options, Path config, Path work, List<String> extra) throws Exception {
        Path dir = Files.createTempDirectory(work, "run");
        Path log = dir.resolve("daemon.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(extra);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "run", "--config", config.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Matcher m = FIRST_FRAME.matcher(Files.readString(log));
                if (m.find()) {
                    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
                }
                if (!p.isAlive()) {
                    break;
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("no first frame within 60 s; see " + log);
        } finally {
            p.destroy(); // SIGTERM: a clean stop (writes the archive when asked to)
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            try (Stream<Path> files = Files.walk(dir.resolve("var"))) {
                files.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // no var folder
            }
        }
    }

    private static long median(List<long[]> runs, int index) {
        List<Long> v = new ArrayList<>(runs.stream().map(r -> r[index]).toList());
        Collections.sort(v);
        return v.get(v.size() / 2);
    }
}
