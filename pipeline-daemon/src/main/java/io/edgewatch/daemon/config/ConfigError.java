package io.edgewatch.daemon.config;

import java.nio.file.Path;

/**
 * One thing wrong with the configuration, where it is.
 *
 * @param file the file
 * @param line 1-based line, 0 when the problem is the file itself
 * @param column 1-based column, 0 when the problem is the file itself
 * @param key the key path ({@code inference.type}, {@code sinks[1]}), empty for the whole file
 * @param message what is wrong and what would be right
 */
public record ConfigError(Path file, int line, int column, String key, String message) {

    /** Keys and messages carry text from the file: escaped and cut (see {@link Echo}). */
    public ConfigError {
        key = Echo.cut(key, Echo.VALUE_CHARS);
        message = Echo.cut(message, Echo.MESSAGE_CHARS);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(file);
        if (line > 0) {
            b.append(':').append(line).append(':').append(column);
        }
        b.append(": ");
        if (!key.isEmpty()) {
            b.append(key).append(": ");
        }
        return b.append(message).toString();
    }
}
