package io.edgewatch.daemon.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;

/**
 * The runnable jar, after {@code package}: every native library in it is for the platform it was
 * built for ({@code edgewatch.platform}, from the build), and it stays under 110 MB. Run by
 * failsafe in {@code verify}, on the jar the build just made.
 */
class JarPlatformIT {

    static final long MAX_BYTES = 110L * 1000 * 1000;

    @Test
    void theJarHoldsNoNativeLibraryForAnotherPlatformAndStaysSmall() throws Exception {
        String platform = System.getProperty("edgewatch.platform", "linux-x86_64");
        Path jar = Path.of(System.getProperty("edgewatch.jar", "target/edgewatch.jar"));
        assertThat(jar).as("the jar to check (built by package)").isRegularFile();
        List<String> natives = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!isNative(name)) {
                    continue;
                }
                natives.add(name);
                if (!platformOf(name).equals(platform)) {
                    foreign.add(name + " (" + platformOf(name) + ")");
                }
            }
        }
        assertThat(natives).as("native libraries in %s", jar).isNotEmpty();
        assertThat(foreign).as("native libraries in %s for another platform than %s", jar, platform).isEmpty();
        assertThat(Files.size(jar)).as("%s in bytes", jar).isLessThanOrEqualTo(MAX_BYTES);
    }

    static boolean isNative(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return !n.endsWith("/") && (n.endsWith(".so") || n.matches(".*\\.so\\.[0-9.]+") || n.endsWith(".dll")
                || n.endsWith(".dylib") || n.endsWith(".jnilib") || n.endsWith(".pdb") || n.contains(".dsym/"));
    }

    /** The platform a native library's path says it is for, as {@code os-arch}; {@code unknown} when it says nothing. */
    static String platformOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".dll") || n.endsWith(".pdb") || n.contains("windows") || n.contains("/win-")) {
            return "windows";
        }
        if (n.endsWith(".dylib") || n.endsWith(".jnilib") || n.contains("osx") || n.contains("macos") || n.contains("/mac/")
                || n.contains(".dsym/")) {
            return "macos";
        }
        if (n.contains("android") || n.contains("musl") || n.contains("freebsd")) {
            return "other-os";
        }
        boolean arm64 = n.contains("aarch64") || n.contains("aarch_64") || n.contains("arm64");
        boolean x64 = n.contains("x86_64") || n.contains("x86-64") || n.contains("linux-x64") || n.contains("amd64");
        if (arm64 && !x64) {
            return "linux-arm64";
        }
        if (x64 && !arm64) {
            return "linux-x86_64";
        }
        if (n.matches(".*/(arm|armv6|armv7|ppc64|riscv64|x86|s390x|loongarch64)/.*")) {
            return "linux-other-arch";
        }
        return "unknown";
    }
}
