package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgewatch.daemon.Edgewatch;

/**
 * The corpus of broken configuration folders ({@code src/test/resources/corpus/config}, see its
 * README): {@code validate} refuses each with exit code 2 and the expected message, and never
 * prints a control character or the password a case plants; and the cases too large for git,
 * written here: each costs little and says why.
 */
class ConfigCorpusTest {

    static final Path CORPUS = Path.of("src", "test", "resources", "corpus", "config");
    static final String PLANTED = "Corpus-Secret-77";

    static Stream<String> cases() throws IOException {
        try (Stream<Path> list = Files.list(CORPUS)) {
            return list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    record Result(int code, String out, String err) {
    }

    static Result validate(Path folder) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Edgewatch.execute(new PrintWriter(out, true), new PrintWriter(err, true), "validate", "--config",
                folder.toString());
        return new Result(code, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachBrokenFolderIsRefusedWithItsMessage(String name) throws IOException {
        Result r = validate(CORPUS.resolve(name));
        assertThat(r.code()).as(name + ": exit code; stdout: " + r.out()).isEqualTo(2);
        for (String expected : Files.readAllLines(CORPUS.resolve(name).resolve("expected"))) {
            if (!expected.isBlank()) {
                assertThat(r.err()).as(name).contains(expected);
            }
        }
        assertSafe(r.err());
    }

    @Test
    void aFileOverTheCapIsRefusedByItsSizeWithoutBeingParsed(@TempDir Path dir) throws IOException {
        Path folder = folder(dir);
        // a 50 MB comment line: the first wave parsed it for 60 s and 1.1 GB
        try (Writer w = Files.newBufferedWriter(folder.resolve("cameras").resolve("big.yaml"), StandardCharsets.UTF_8)) {
            w.write("# ");
            char[] block = new char[1 << 16];
            Arrays.fill(block, 'x');
            for (int i = 0; i < 50 * 16; i++) {
                w.write(block);
            }
            w.write("\nid: big\n");
        }
        Result r = validate(folder);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("big.yaml: file is 52428811 bytes; a configuration file may have at most 1048576");
    }

    @Test
    void aFileJustUnderTheCapIsRead(@TempDir Path dir) throws IOException {
        Path folder = folder(dir);
        StringBuilder comment = new StringBuilder("# ");
        comment.append("y".repeat(ConfigLoader.DEFAULT_MAX_FILE_BYTES - 200));
        Files.writeString(folder.resolve("cameras").resolve("near.yaml"), comment + "\n" + CAMERA.formatted("near"));
        assertThat(Files.size(folder.resolve("cameras").resolve("near.yaml"))).isLessThan(ConfigLoader.DEFAULT_MAX_FILE_BYTES);
        Result r = validate(folder);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("valid; 1 camera(s), 1 enabled");
    }

    @Test
    void aLongIdIsCutInItsMessage(@TempDir Path dir) throws IOException {
        Path folder = folder(dir);
        String id = "a-".repeat(50_000);
        Files.writeString(folder.resolve("cameras").resolve("long.yaml"), CAMERA.formatted(id));
        Result r = validate(folder);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("long.yaml:1:5: id: 'a-a-a-").contains("… (100000 characters)' is not a valid camera id");
        assertThat(r.err().length()).as("the whole error output").isLessThan(1000);
    }

    @Test
    void deepNestingIsRefusedWithAPosition(@TempDir Path dir) throws IOException {
        Path folder = folder(dir);
        Files.writeString(folder.resolve("cameras").resolve("deep.yaml"),
                CAMERA.formatted("deep") + "metadata:\n  x: " + "[".repeat(200) + "]".repeat(200) + "\n");
        Result r = validate(folder);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).containsPattern("deep\\.yaml:\\d+:\\d+: not valid YAML: .*(depth|nesting|Nesting)");
    }

    @Test
    void aWrittenStorageFolderThatCannotBeWrittenIsRefused(@TempDir Path dir) throws IOException {
        Path folder = folder(dir);
        Path file = dir.resolve("a-file");
        Files.writeString(file, "not a folder");
        Files.writeString(folder.resolve("edgewatch.yaml"), "device_id: corpus\nstorage:\n  path: " + file + "\n"
                + "health:\n  enabled: false\n");
        Files.writeString(folder.resolve("cameras").resolve("cam.yaml"), CAMERA.formatted("cam"));
        Result r = validate(folder);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("edgewatch.yaml:3:9: storage.path: " + file + " is not a folder");
    }

    static final String CAMERA = """
            id: %s
            source:
              type: test_pattern
            inference:
              type: motion
            """;

    private static Path folder(Path dir) throws IOException {
        Path folder = dir.resolve("config");
        Files.createDirectories(folder.resolve("cameras"));
        Files.writeString(folder.resolve("edgewatch.yaml"), "device_id: corpus\nstorage:\n  path: " + dir.resolve("var")
                + "\nhealth:\n  enabled: false\n");
        return folder;
    }

    private static void assertSafe(String output) {
        assertThat(output).doesNotContain(PLANTED);
        List<String> controls = output.chars().filter(c -> Character.isISOControl(c) && c != '\n')
                .mapToObj(c -> String.format("U+%04X", c)).toList();
        assertThat(controls).as("control characters printed").isEmpty();
        assertThat(output.lines()).as("a line forged by a value").noneMatch(l -> l.startsWith("FORGED"));
    }
}
