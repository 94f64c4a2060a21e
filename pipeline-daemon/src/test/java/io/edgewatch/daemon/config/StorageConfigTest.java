package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.sink.outbox.Outbox;

/** {@code storage.outbox_max_mb} (review-outbox 11): the outbox's bound in bytes, read and checked as the other storage keys. */
class StorageConfigTest {

    @TempDir
    Path dir;

    private void write(String storage) throws Exception {
        Files.writeString(dir.resolve("edgewatch.yaml"), "sinks:\n  jsonl:\n    path: out/r.jsonl\nstorage:\n  path: "
                + dir.resolve("var") + "\n" + storage);
        Files.createDirectories(dir.resolve("cameras"));
        Files.writeString(dir.resolve("cameras/a.yaml"), "id: a\nsource: {type: test_pattern}\ninference: {type: none}\n");
    }

    @Test
    void theOutboxBoundInBytesDefaultsToAGigabyteAndIsReadInMegabytes() throws Exception {
        write("");
        assertThat(new ConfigLoader(Map.of()).read(dir).storage().outboxMaxBytes()).isEqualTo(Outbox.DEFAULT_MAX_BYTES)
                .isEqualTo(1024L * 1024 * 1024);
        write("  outbox_max_mb: 64\n");
        assertThat(new ConfigLoader(Map.of()).read(dir).storage().outboxMaxBytes()).isEqualTo(64L * 1024 * 1024);
    }

    @Test
    void aBoundThatIsNotAPositiveWholeNumberOfMegabytesIsAnErrorWhereItIsWritten() throws Exception {
        write("  outbox_max_mb: 0\n");
        List<ConfigError> errors = catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(Map.of()).read(dir)).errors();
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.file()).isEqualTo(dir.resolve("edgewatch.yaml"));
            assertThat(e.key()).isEqualTo("storage.outbox_max_mb");
            assertThat(e.line()).isEqualTo(6);
            assertThat(e.column()).isEqualTo(18);
            assertThat(e.message()).contains("must be between 1 and");
        });
        write("  outbox_max_mb: lots\n");
        assertThat(catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(Map.of()).read(dir)).errors())
                .singleElement().satisfies(e -> assertThat(e.message()).contains("expected a whole number, found 'lots'"));
    }
}
