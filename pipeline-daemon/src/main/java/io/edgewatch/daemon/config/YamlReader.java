package io.edgewatch.daemon.config;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads one YAML document into {@link YamlNode}s with Jackson's streaming YAML parser, keeping
 * each value's line and column (a plain tree read would lose them). Duplicate keys are errors.
 */
final class YamlReader {

    /** Deepest nesting of mappings and sequences a file may have. */
    static final int MAX_DEPTH = 32;
    /** Aliases a file may use (anchors expand; a few dozen bytes can otherwise stand for gigabytes). */
    static final int MAX_ALIASES = 20;

    /** A parser bounded for a file of at most {@code maxBytes}: time and memory linear in the file. */
    private static YAMLFactory factory(int maxBytes) {
        LoaderOptions limits = new LoaderOptions();
        limits.setNestingDepthLimit(MAX_DEPTH);
        limits.setMaxAliasesForCollections(MAX_ALIASES);
        limits.setAllowRecursiveKeys(false);
        limits.setCodePointLimit(Math.max(1, maxBytes));
        return YAMLFactory.builder().loaderOptions(limits)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(Math.max(1, maxBytes)).build())
                .build();
    }

    private YamlReader() {
    }

    /** A syntax error with its position. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;
        final int column;

        SyntaxError(String message, int line, int column) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }

    /** The document, or null for an empty file. */
    static YamlNode read(Reader in) throws SyntaxError, IOException {
        return read(in, ConfigLoader.DEFAULT_MAX_FILE_BYTES);
    }

    /** As above, for a file of at most {@code maxBytes}. */
    static YamlNode read(Reader in, int maxBytes) throws SyntaxError, IOException {
        try (JsonParser p = factory(maxBytes).createParser(in)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return null;
            }
            return value(p);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String message = e.getOriginalMessage();
            throw new SyntaxError("not valid YAML: " + firstLine(message),
                    at == null ? 1 : Math.max(1, at.getLineNr()), at == null ? 1 : Math.max(1, at.getColumnNr()));
        }
    }

    private static YamlNode value(JsonParser p) throws IOException, SyntaxError {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, YamlNode> entries = new LinkedHashMap<>();
                Map<String, int[]> keys = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonLocation keyAt = p.currentTokenLocation();
                    if (entries.containsKey(key)) {
                        throw new SyntaxError("key '" + key + "' appears twice in the same mapping (first at line "
                                + keys.get(key)[0] + ")", keyAt.getLineNr(), keyAt.getColumnNr());
                    }
                    p.nextToken();
                    keys.put(key, new int[] {keyAt.getLineNr(), keyAt.getColumnNr()});
                    entries.put(key, value(p));
                }
                return new YamlNode.Mapping(entries, keys, line, column);
            }
            case START_ARRAY -> {
                List<YamlNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value(p));
                }
                return new YamlNode.Sequence(items, line, column);
            }
            case VALUE_STRING -> {
                return new YamlNode.Scalar(p.getText(), YamlNode.Scalar.Type.STRING, line, column);
            }
            case VALUE_NUMBER_INT -> {
                return new YamlNode.Scalar(p.getText(), YamlNode.Scalar.Type.INTEGER, line, column);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new YamlNode.Scalar(p.getText(), YamlNode.Scalar.Type.FLOAT, line, column);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new YamlNode.Scalar(p.getText(), YamlNode.Scalar.Type.BOOLEAN, line, column);
            }
            case VALUE_NULL -> {
                return new YamlNode.Scalar(null, YamlNode.Scalar.Type.NULL, line, column);
            }
            default -> throw new SyntaxError("unsupported YAML content (" + t + ")", line, column);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
