package io.edgewatch.daemon.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.edgewatch.testkit.SyntheticClip;
import io.edgewatch.testkit.SyntheticModels;

/**
 * {@code onnxruntime.native_path}, what a Jetson points at an ONNX Runtime built on the device: the
 * packaged daemon ({@code java -jar edgewatch.jar}, a child process whose ONNX Runtime has not loaded
 * yet) loads the binding's libraries from that folder, not from the jar. Here the folder holds the
 * jar's own CPU libraries, copied out, so the camera runs; a folder whose JNI library is not a library
 * fails that camera naming the folder. Run by {@code verify} after the jar is built.
 */
class OnnxNativePathIT {

    @TempDir
    Path dir;

    @Test
    void theBindingsLibrariesComeFromTheFolderAndABrokenFolderIsNamedInTheCamerasError() throws Exception {
        Path good = dir.resolve("ort");
        copyJarLibraries(good);
        Path clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 160, 120, 25, 30, SyntheticClip.Codec.MPEG4);
        Path model = Files.write(dir.resolve("tiny.onnx"), SyntheticModels.colourDetector(false, "{0: 'red', 1: 'green', 2: 'blue'}"));
        String camera = """
                id: gate
                source:
                  type: file
                  path: %s
                inference:
                  type: onnx
                  model: %s
                aggregation:
                  frequency: 1
                """.formatted(clip, model);

        Path cfg = write(dir, camera);
        Files.writeString(cfg.resolve("edgewatch.yaml"), "onnxruntime:\n  native_path: " + good + "\n", StandardOpenOption.APPEND);
        Path log = dir.resolve("good.log");
        Process p = jar(cfg, log);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("daemon ended").isTrue();
        String text = Files.readString(log);
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).contains("ONNX Runtime's libraries are loaded from " + good);
        List<JsonNode> reports = reports(dir);
        assertThat(reports.stream().mapToLong(r -> r.get("frames_inferred").asLong()).sum()).isEqualTo(30);

        Path broken = dir.resolve("ort-broken");
        copyJarLibraries(broken);
        Files.writeString(broken.resolve("libonnxruntime4j_jni.so"), "not a library");
        Path cfg2 = write(dir.resolve("second"), camera);
        Files.writeString(cfg2.resolve("edgewatch.yaml"), "onnxruntime:\n  native_path: " + broken + "\n", StandardOpenOption.APPEND);
        Path log2 = dir.resolve("broken.log");
        Process q = jar(cfg2, log2, "--duration", "20s");
        assertThat(q.waitFor(2, TimeUnit.MINUTES)).as("daemon ended").isTrue();
        String text2 = Files.readString(log2);
        assertThat(text2).contains("camera gate").contains("ONNX Runtime's libraries cannot be loaded from " + broken);
        // the camera that cannot load is not started; the daemon stays up for a reload that mends it, to the end of its run
        assertThat(text2).doesNotContain("first frame after");
    }

    private static Process jar(Path cfg, Path log, String... more) throws Exception {
        Path jar = Path.of(System.getProperty("edgewatch.jar", "target/edgewatch.jar")).toAbsolutePath();
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "run", "--config", cfg.toString()));
        command.addAll(List.of(more));
        return new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static Path write(Path dir, String camera) throws Exception {
        Path cfg = dir.resolve("config");
        Files.createDirectories(cfg.resolve("cameras"));
        Files.writeString(cfg.resolve("edgewatch.yaml"), """
                device_id: test-box
                health:
                  port: 0
                storage:
                  path: %s
                sinks:
                  jsonl:
                    path: %s
                """.formatted(dir.resolve("var"), dir.resolve("out/reports.jsonl")));
        Files.writeString(cfg.resolve("cameras/cam.yaml"), camera);
        return cfg;
    }

    private static List<JsonNode> reports(Path dir) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("out/reports.jsonl"))) {
            out.add(json.readTree(line));
        }
        return out;
    }

    /** The jar's own libonnxruntime.so and libonnxruntime4j_jni.so, into {@code folder}. */
    private static void copyJarLibraries(Path folder) throws Exception {
        Files.createDirectories(folder);
        Path jar = Path.of(ai.onnxruntime.OrtEnvironment.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String lib : List.of("libonnxruntime.so", "libonnxruntime4j_jni.so")) {
                try (InputStream in = zip.getInputStream(zip.getEntry("ai/onnxruntime/native/linux-x64/" + lib))) {
                    Files.copy(in, folder.resolve(lib), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
