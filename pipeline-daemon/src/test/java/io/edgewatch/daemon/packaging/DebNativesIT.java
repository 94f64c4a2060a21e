package io.edgewatch.daemon.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package's natives, held once, without installing it: its files unpacked with
 * {@code dpkg-deb -x} into a folder, its {@code /usr/bin/edgewatch} run from there (the package's paths
 * moved under that folder, the package's JVM options, {@code java.io.tmpdir} a folder of its own) on every
 * detector type and kind of source ({@link EveryDetectorRun}). Every camera infers; every library of
 * {@code /usr/lib/edgewatch/native} is mapped from there, and no native library of the run from anywhere
 * else; the jar holds none; the start writes nothing under the cache, the temporary folder or {@code $HOME} (no
 * library is extracted, no cascade, no telemetry store of ONNX Runtime's); and what is installed plus what the start wrote stays within 220 MB on x86.
 * Run by failsafe in {@code verify}, on the package the build just made (never installed: DebPackageIT does that).
 */
class DebNativesIT {

    /** Installed plus written at start, on x86 (issue 30): the jar, the natives, the cascades, the rest. */
    static final long MAX_BYTES = 220L * 1000 * 1000;

    @TempDir
    Path dir;

    private static long bytes(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static List<Path> files(Path root) throws Exception {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !Files.isDirectory(p)).toList();
        }
    }

    @Test
    void thePackageRunsEveryDetectorOnNativesItInstalledOnceAndWritesNoneAtStart() throws Exception {
        EveryDetectorRun.assumeRunnableHere();
        Path deb = Path.of(System.getProperty("edgewatch.deb", "target/edgewatch_0.1.0_amd64.deb"));
        assertThat(deb).as("the package (built by package)").isRegularFile();
        Path root = Files.createDirectories(dir.resolve("root"));
        Process x = new ProcessBuilder("dpkg-deb", "-x", deb.toString(), root.toString()).inheritIO().start();
        assertThat(x.waitFor(120, TimeUnit.SECONDS) && x.exitValue() == 0).as("dpkg-deb -x %s", deb).isTrue();
        long installed = bytes(root);
        Path nativeDir = root.resolve("usr/lib/edgewatch/native");
        Path jar = root.resolve("usr/share/edgewatch/edgewatch.jar");
        assertThat(nativeDir).isDirectory();
        assertThat(root.resolve("usr/share/edgewatch/opencv4/haarcascades/haarcascade_fullbody.xml.gz")).isRegularFile();
        List<String> inJar = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (JarPlatformIT.isNative(name) || name.contains("cascades/")) {
                    inJar.add(name);
                }
            }
        }
        assertThat(inJar).as("native libraries and cascades in the package's jar (they are installed beside it)").isEmpty();

        // the package's launcher with its paths moved under root; postinst makes the cache folder
        Path cache = Files.createDirectories(root.resolve("var/cache/edgewatch"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path home = Files.createDirectories(dir.resolve("home"));
        Path launcher = root.resolve("usr/bin/edgewatch-moved");
        Files.writeString(launcher, Files.readString(root.resolve("usr/bin/edgewatch"))
                .replace("/usr/lib/edgewatch", root + "/usr/lib/edgewatch")
                .replace("/usr/share/edgewatch", root + "/usr/share/edgewatch")
                .replace("/var/cache/edgewatch", cache.toString())
                .replace("/etc/default/edgewatch", root + "/etc/default/edgewatch"));
        Path defaults = root.resolve("etc/default/edgewatch");
        Files.writeString(defaults, Files.readString(defaults) + "\nEDGEWATCH_JAVA_OPTS=\"$EDGEWATCH_JAVA_OPTS -Djava.io.tmpdir=" + tmp + "\"\n");

        Path log = dir.resolve("daemon.log");
        try (EveryDetectorRun run = new EveryDetectorRun(dir)) {
            ProcessBuilder pb = new ProcessBuilder("sh", launcher.toString(), "run", "--config", run.config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("EDGEWATCH_JAVA_OPTS");
            pb.environment().remove("XDG_CACHE_HOME");
            pb.environment().put("HOME", home.toString());
            Process daemon = pb.start(); // the launcher execs java: same pid
            try {
                run.assertEveryCameraInfers(daemon, log);

                List<String> maps = EveryDetectorRun.mapped(daemon.pid());
                List<String> shipped = new ArrayList<>();
                try (Stream<Path> list = Files.list(nativeDir)) {
                    list.forEach(p -> shipped.add(p.getFileName().toString()));
                }
                List<String> notMapped = new ArrayList<>(shipped);
                notMapped.removeIf(name -> maps.contains(nativeDir.resolve(name).toString()));
                assertThat(notMapped).as("libraries of %s the run never maps from there", nativeDir).isEmpty();
                List<String> elsewhere = maps.stream()
                        .filter(f -> JarPlatformIT.isNative(f))
                        .filter(f -> shipped.contains(f.substring(f.lastIndexOf('/') + 1)) || f.contains("bytedeco")
                                || f.contains("onnxruntime") || f.contains("sqlitejdbc") || f.contains("netty"))
                        .filter(f -> !f.startsWith(nativeDir.toString()) && !f.startsWith("/usr/lib/x86_64-linux-gnu/")
                                && !f.startsWith("/lib/x86_64-linux-gnu/") && !f.startsWith("/usr/lib/aarch64-linux-gnu/"))
                        .toList();
                assertThat(elsewhere).as("native libraries of the run mapped from another place than %s", nativeDir).isEmpty();

                List<Path> written = new ArrayList<>(files(cache));
                written.addAll(files(tmp));
                written.addAll(files(home));
                long writtenBytes = 0;
                for (Path p : written) {
                    writtenBytes += Files.isRegularFile(p) ? Files.size(p) : 0;
                }
                System.out.printf("DebNativesIT: installed %,d bytes (jar %,d, %s %,d), written at start %,d bytes in %d files%n",
                        installed, Files.size(jar), nativeDir.getFileName(), bytes(nativeDir), writtenBytes, written.size());
                assertThat(written).as("files the start wrote under the cache, the temporary folder and $HOME").isEmpty();
                if ("linux-x86_64".equals(System.getProperty("edgewatch.platform", "linux-x86_64"))) {
                    assertThat(installed + writtenBytes).as("installed plus written at start, bytes").isLessThanOrEqualTo(MAX_BYTES);
                }
            } finally {
                EveryDetectorRun.stop(daemon);
            }
        }
    }
}
