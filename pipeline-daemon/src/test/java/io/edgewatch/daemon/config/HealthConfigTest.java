package io.edgewatch.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Security review finding 10: {@code health.token} is at least 16 characters; a shorter one is a
 * configuration error at its file, line and column that does not print the token.
 */
class HealthConfigTest {

    @TempDir
    Path dir;

    private void write(String token) throws Exception {
        Files.writeString(dir.resolve("edgewatch.yaml"), "sinks:\n  jsonl:\n    path: out/r.jsonl\nhealth:\n  host: 0.0.0.0\n"
                + "  token: " + token + "\n");
        Files.createDirectories(dir.resolve("cameras"));
        Files.writeString(dir.resolve("cameras/a.yaml"), "id: a\nsource: {type: test_pattern}\ninference: {type: none}\n");
    }

    @Test
    void aTokenUnderSixteenCharactersIsRefusedWhereItIsWritten() throws Exception {
        write("short-token-15c");
        List<ConfigError> errors = catchThrowableOfType(ConfigException.class, () -> new ConfigLoader(Map.of()).read(dir)).errors();
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.file()).isEqualTo(dir.resolve("edgewatch.yaml"));
            assertThat(e.key()).isEqualTo("health.token");
            assertThat(e.line()).isEqualTo(6);
            assertThat(e.column()).isEqualTo(10);
            assertThat(e.message()).contains("at least 16 characters").contains("it has 15").doesNotContain("short-token");
        });
    }

    @Test
    void aTokenOfSixteenCharactersIsTaken() throws Exception {
        write("sixteen-chars-ok");
        assertThat(new ConfigLoader(Map.of()).read(dir).health().token().toString()).doesNotContain("sixteen");
    }
}
