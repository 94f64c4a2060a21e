package io.edgewatch.daemon.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar, after {@code package}, run for real ({@code java -jar}, a JavaCPP cache of its own)
 * on every detector type and every kind of source at once ({@link EveryDetectorRun}): every camera infers
 * without an error, so no library the run needs was left out of the jar; and every JavaCPP native library
 * the jar carries is one the run maps (read from {@code /proc/PID/maps}), so none is carried that nothing
 * loads. Run by failsafe in {@code verify}, on the jar the build just made.
 */
class JarNativesIT {

    @TempDir
    Path dir;

    /** The file names of the native libraries JavaCPP's presets carry in the jar ({@code org/bytedeco/...}). */
    private static TreeSet<String> javacppNatives(Path jar) throws Exception {
        TreeSet<String> out = new TreeSet<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.startsWith("org/bytedeco/") && JarPlatformIT.isNative(name)) {
                    out.add(name.substring(name.lastIndexOf('/') + 1));
                }
            }
        }
        return out;
    }

    @Test
    void everyDetectorAndSourceRunsFromTheJarWhichCarriesNoNativeLibraryNothingLoads() throws Exception {
        EveryDetectorRun.assumeRunnableHere();
        Path jar = Path.of(System.getProperty("edgewatch.jar", "target/edgewatch.jar")).toAbsolutePath();
        assertThat(jar).as("the jar to check (built by package)").isRegularFile();
        Path cache = dir.resolve("javacpp-cache");
        Path log = dir.resolve("daemon.log");
        try (EveryDetectorRun run = new EveryDetectorRun(dir)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process daemon = new ProcessBuilder(java, "-Dorg.bytedeco.javacpp.cachedir=" + cache, "-jar", jar.toString(),
                    "run", "--config", run.config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                run.assertEveryCameraInfers(daemon, log);

                List<String> maps = EveryDetectorRun.mapped(daemon.pid());
                assertThat(maps).as("libraries loaded from the run's JavaCPP cache").anyMatch(f -> f.startsWith(cache.toString()));
                TreeSet<String> unused = javacppNatives(jar);
                maps.forEach(f -> unused.remove(f.substring(f.lastIndexOf('/') + 1)));
                assertThat(unused).as("native libraries in %s that a run on every detector and source never loads", jar)
                        .isEmpty();
                assertThat(maps).as("ONNX Runtime's, SQLite's and Netty's own").anyMatch(n -> n.contains("libonnxruntime"))
                        .anyMatch(n -> n.contains("sqlitejdbc")).anyMatch(n -> n.contains("netty_transport_native_epoll"));
            } finally {
                EveryDetectorRun.stop(daemon);
            }
        }
    }
}
