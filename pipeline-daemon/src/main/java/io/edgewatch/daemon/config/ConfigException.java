package io.edgewatch.daemon.config;

import java.util.List;
import java.util.stream.Collectors;

/** The configuration is invalid; {@link #errors()} lists every problem found, in file order. */
public class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.size() + " configuration error(s):\n" + errors.stream().map(ConfigError::toString)
                .collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
