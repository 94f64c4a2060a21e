package io.edgewatch.daemon.config;

import java.util.List;
import java.util.Map;

/**
 * A YAML value with the place it was written, so every configuration error can name file, line
 * and column. Scalars keep their text and whether YAML typed them as a string (quoted or plain
 * text) or as a number, boolean or null.
 */
sealed interface YamlNode {

    /** 1-based line of the value. */
    int line();

    /** 1-based column of the value. */
    int column();

    /** What kind of value this is, for messages. */
    String kind();

    record Scalar(String text, Type type, int line, int column) implements YamlNode {
        enum Type { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

        @Override
        public String kind() {
            return switch (type) {
                case STRING -> "text";
                case INTEGER -> "an integer";
                case FLOAT -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "nothing (null)";
            };
        }
    }

    record Mapping(Map<String, YamlNode> entries, Map<String, int[]> keyPositions, int line, int column)
            implements YamlNode {
        @Override
        public String kind() {
            return "a mapping";
        }
    }

    record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {
        @Override
        public String kind() {
            return "a list";
        }
    }
}
