package io.edgewatch.daemon.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The Debian package the build just made, installed on this machine for real (CI runs as root on
 * Debian): {@code dpkg -i}; the unit passes {@code systemd-analyze verify} (which fails on a broken
 * copy of it, so the check means something); {@code edgewatch validate} on {@code /etc/edgewatch};
 * a short {@code run} as the service user on the packaged configuration, which writes its reports
 * and stores under {@code /var/lib/edgewatch} and loads its natives from {@code /usr/lib/edgewatch/native},
 * extracting nothing (only the class-data archive of the clean stop is under {@code /var/cache/edgewatch}),
 * and one with that cache read-only;
 * then {@code dpkg -r}: the program goes, the storage stays; and a purge to leave the machine clean.
 */
class DebPackageIT {

    record Result(int code, String output) {
    }

    static Result sh(String... command) throws Exception {
        Path out = Files.createTempFile("edgewatch-deb", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 180 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void thePackageInstallsRunsAsItsUserAndRemovesKeepingTheStorage() throws Exception {
        Path deb = Path.of(System.getProperty("edgewatch.deb", "target/edgewatch_0.1.0_amd64.deb"));
        assertThat(deb).as("the package (built by package)").isRegularFile();
        assertThat(sh("id", "-u").output().trim()).as("installing a package needs root (CI runs as root)").isEqualTo("0");
        sh("dpkg", "-P", "edgewatch"); // a leftover of an interrupted run
        Path reports = Path.of("/var/lib/edgewatch/reports.jsonl");
        long before = Files.exists(reports) ? Files.readAllLines(reports).size() : 0;
        try {
            Result install = sh("dpkg", "-i", deb.toString());
            assertThat(install.code()).as(install.output()).isZero();
            assertThat(Path.of("/usr/bin/edgewatch")).isExecutable();
            assertThat(Path.of("/usr/share/edgewatch/edgewatch.jar")).isRegularFile();
            assertThat(Path.of("/etc/edgewatch/cameras/demo-pattern.yaml")).isRegularFile();
            Result conffiles = sh("dpkg-query", "--showformat=${Conffiles}", "--show", "edgewatch");
            assertThat(conffiles.output()).contains("/etc/edgewatch/edgewatch.yaml").contains("/etc/edgewatch/cameras/demo-pattern.yaml")
                    .contains("/etc/default/edgewatch");
            Result user = sh("id", "edgewatch");
            assertThat(user.code()).as(user.output()).isZero();
            assertThat(user.output()).contains("(video)");

            Result verify = sh("systemd-analyze", "verify", "/lib/systemd/system/edgewatch.service");
            assertThat(verify.code()).as(verify.output()).isZero();
            assertThat(verify.output()).as("systemd-analyze's complaints").doesNotContain("edgewatch.service:");
            Path broken = Files.createTempDirectory("unit").resolve("broken-edgewatch.service");
            Files.writeString(broken, Files.readString(Path.of("/lib/systemd/system/edgewatch.service"))
                    .replace("ExecStart=/usr/bin/edgewatch", "ExecStart=usr/bin/edgewatch"));
            assertThat(sh("systemd-analyze", "verify", broken.toString()).code()).as("verify catches a broken unit").isNotZero();

            Result validate = sh("/usr/bin/edgewatch", "validate", "--config", "/etc/edgewatch");
            assertThat(validate.code()).as(validate.output()).isZero();
            assertThat(validate.output()).contains("/etc/edgewatch: valid");

            Result run = sh("runuser", "-u", "edgewatch", "--", "/usr/bin/edgewatch", "run", "--config", "/etc/edgewatch",
                    "--duration", "8s");
            assertThat(run.code()).as(run.output()).isZero();
            assertThat(run.output()).contains("camera demo-pattern: opened").contains("edgewatch stopped");
            assertThat(reports).as(run.output()).isRegularFile();
            assertThat(Files.readAllLines(reports).size()).as("windows the run wrote").isGreaterThan((int) before);
            assertThat(Files.getOwner(reports).getName()).isEqualTo("edgewatch");
            assertThat(Path.of("/var/lib/edgewatch/health.db")).isRegularFile();
            // the natives are installed once, unpacked: a start extracts nothing into the cache (the clean stop
            // writes the class-data archive, below, and nothing else is there)
            assertThat(Path.of("/usr/lib/edgewatch/native/libavcodec.so.62")).isRegularFile();
            assertThat(listed(Path.of("/var/cache/edgewatch"))).as("written under the cache by the run")
                    .containsExactlyInAnyOrder("/var/cache/edgewatch", "/var/cache/edgewatch/edgewatch.jsa");
            assertThat(Path.of("/var/lib/edgewatch/.javacpp")).as("JavaCPP's cache in the service user's home").doesNotExist();
            // class-data sharing: the clean stop wrote the archive; the next run maps it, and neither says so in the log
            assertThat(Path.of("/var/cache/edgewatch/edgewatch.jsa")).as(run.output()).isRegularFile();
            Result option = sh("runuser", "-u", "edgewatch", "--", "/usr/share/edgewatch/cds-option",
                    "/var/cache/edgewatch/edgewatch.jsa", "/usr/share/edgewatch/edgewatch.jar");
            assertThat(option.output()).as("the archive is newer than the jar and the JVM: it is used")
                    .contains("-XX:SharedArchiveFile=/var/cache/edgewatch/edgewatch.jsa");
            Result shared = sh("runuser", "-u", "edgewatch", "--", "/usr/bin/edgewatch", "run", "--config", "/etc/edgewatch",
                    "--duration", "3s");
            assertThat(shared.code()).as(shared.output()).isZero();
            assertThat(shared.output() + run.output()).contains("first frame after").doesNotContain("[cds]").doesNotContain("[warning]");

            // a read-only cache (as on a read-only root): the run needs no folder to write natives to
            sh("chmod", "0555", "/var/cache/edgewatch");
            Result readOnly = sh("runuser", "-u", "edgewatch", "--", "env", "EDGEWATCH_CDS=off", "/usr/bin/edgewatch", "run",
                    "--config", "/etc/edgewatch", "--duration", "3s");
            sh("chmod", "0755", "/var/cache/edgewatch");
            assertThat(readOnly.code()).as(readOnly.output()).isZero();
            assertThat(readOnly.output()).contains("first frame after");
            assertThat(Path.of("/var/lib/edgewatch/.javacpp")).as(readOnly.output()).doesNotExist();

            Result remove = sh("dpkg", "-r", "edgewatch");
            assertThat(remove.code()).as(remove.output()).isZero();
            assertThat(Path.of("/usr/bin/edgewatch")).doesNotExist();
            assertThat(reports).as("storage stays after removal").isRegularFile();
            assertThat(Path.of("/etc/edgewatch/edgewatch.yaml")).as("conffiles stay until purge").isRegularFile();
        } finally {
            sh("dpkg", "-P", "edgewatch");
        }
        assertThat(Path.of("/var/lib/edgewatch/reports.jsonl")).as("storage stays even after purge").isRegularFile();
    }

    private static List<String> listed(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            walk.forEach(p -> out.add(p.toString()));
        }
        return out;
    }
}
