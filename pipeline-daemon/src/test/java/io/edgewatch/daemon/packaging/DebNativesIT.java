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
 * And every system library those natives need (ldd) comes from a package the package's {@code Depends} bring,
 * recursively, or that every Debian system has. Run by failsafe in {@code verify}, on the package the build just
 * made (never installed: DebPackageIT does that).
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

    /** Whether {@code soname} is a file of {@code folder}, or a file there is named as its start ({@code libX.so} for {@code libX.so.1}). */
    private static boolean shipped(Path folder, String soname) throws Exception {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).anyMatch(n -> soname.equals(n) || soname.startsWith(n + "."));
        }
    }

    /** {@code command}'s standard output (its errors dropped), which must finish within 120 s. */
    private static String out(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return text;
    }

    /** The installed Debian package that holds {@code file} (the path as dpkg knows it: as given, or resolved), or "?". */
    private static String packageOf(String file) throws Exception {
        for (String path : new String[] {file, Path.of(file).toRealPath().toString()}) {
            for (String line : out("dpkg", "-S", path).split("\n")) {
                int colon = line.indexOf(": ");
                if (colon > 0 && line.substring(colon + 2).equals(path)) {
                    return line.substring(0, colon).replace(":amd64", "").replace(":arm64", "");
                }
            }
        }
        return "?";
    }

    @Test
    void everySystemLibraryTheNativesNeedComesWithWhatThePackageDependsOn() throws Exception {
        EveryDetectorRun.assumeRunnableHere();
        Path deb = Path.of(System.getProperty("edgewatch.deb", "target/edgewatch_0.1.0_amd64.deb"));
        Path root = Files.createDirectories(dir.resolve("root"));
        assertThat(new ProcessBuilder("dpkg-deb", "-x", deb.toString(), root.toString()).start().waitFor()).isZero();
        Path nativeDir = root.resolve("usr/lib/edgewatch/native");
        // what the dynamic linker resolves outside the folder, for every library in it
        java.util.TreeSet<String> needed = new java.util.TreeSet<>();
        try (Stream<Path> list = Files.list(nativeDir)) {
            for (Path lib : list.toList()) {
                // the folder on the search path, as the run preloads its libraries from there by path
                ProcessBuilder pb = new ProcessBuilder("ldd", lib.toString()).redirectErrorStream(true);
                pb.environment().put("LD_LIBRARY_PATH", nativeDir.toString());
                Process ldd = pb.start();
                for (String line : new String(ldd.getInputStream().readAllBytes()).split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length >= 3 && f[1].equals("=>") && f[2].startsWith("/") && !f[2].startsWith(nativeDir.toString())) {
                        needed.add(f[2]);
                    } else if (line.contains("not found")) {
                        // a soname whose file is in the folder under its link name (libonnxruntime.so.1: ONNX Runtime
                        // loads libonnxruntime.so by path first) is there; anything else is missing
                        String name = line.trim().split("\\s+")[0];
                        if (!shipped(nativeDir, name)) {
                            needed.add(line.trim());
                        }
                    }
                }
            }
        }
        String control = out("dpkg-deb", "-f", deb.toString(), "Depends");
        List<String> depends = new ArrayList<>();
        for (String alternative : control.trim().split(",")) {
            depends.add(alternative.trim().split("[ (|]")[0]);
        }
        // the package's dependencies, recursively, and what every Debian system has (Essential, Priority required)
        java.util.Set<String> closure = new java.util.HashSet<>();
        List<String> apt = new ArrayList<>(List.of("apt-cache", "depends", "--recurse", "--installed", "--no-recommends", "--no-suggests",
                "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"));
        apt.addAll(depends);
        for (String line : out(apt.toArray(String[]::new)).split("\n")) {
            if (!line.startsWith(" ") && !line.isBlank()) {
                closure.add(line.trim().replace(":amd64", "").replace(":arm64", ""));
            }
        }
        for (String line : out("dpkg-query", "-W", "-f", "${Package} ${Essential} ${Priority}\n").split("\n")) {
            String[] f = line.split(" ");
            if (f.length == 3 && (f[1].equals("yes") || f[2].equals("required"))) {
                closure.add(f[0]);
            }
        }
        java.util.TreeMap<String, String> missing = new java.util.TreeMap<>();
        for (String lib : needed) {
            String pkg = lib.startsWith("/") ? packageOf(lib) : "?";
            if (!closure.contains(pkg)) {
                missing.put(lib, pkg);
            }
        }
        assertThat(missing).as("system libraries that %s needs from packages its Depends (%s) do not bring", nativeDir, control.trim())
                .isEmpty();
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
