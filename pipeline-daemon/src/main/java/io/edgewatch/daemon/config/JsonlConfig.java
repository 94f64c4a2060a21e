package io.edgewatch.daemon.config;

import java.nio.file.Path;

/** {@code sinks.jsonl:} the JSONL report file, appended to. */
public record JsonlConfig(Path path) {

    public static final String DEFAULT_PATH = "out/reports.jsonl";

    /** {@code sinks:}; the JSONL sink, or null when {@code sinks.jsonl.enabled: false} or there is no {@code sinks.jsonl}. */
    static JsonlConfig read(Section sinks) {
        Section s = sinks.section("jsonl");
        boolean enabled = s.bool("enabled", true);
        String path = s.string("path", DEFAULT_PATH);
        boolean present = sinks.has("jsonl");
        if (s.writtenEmpty("path")) {
            s.error("path", "must name a file; leave the key out for " + DEFAULT_PATH);
            path = DEFAULT_PATH;
        } else if (enabled && present) {
            s.writable("path", Path.of(path), false);
        }
        s.rejectUnknownKeys();
        sinks.rejectUnknownKeys();
        return enabled && present ? new JsonlConfig(Path.of(path)) : null;
    }
}
