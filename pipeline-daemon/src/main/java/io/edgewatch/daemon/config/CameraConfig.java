package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.edgewatch.health.alert.AlertOptions;
import io.edgewatch.source.Reconnect;

/**
 * One camera file, validated.
 *
 * @param file where it was read from
 * @param id unique camera id
 * @param enabled whether {@code run} starts it
 * @param source what to read
 * @param inference what to run on it
 * @param frequency how often a window closes (whole seconds, at least 1)
 * @param metadata custom metadata, as written
 * @param sinks names of the daemon's sinks this camera reports to
 * @param reconnect how a live source reconnects ({@code source.reconnect}); unused for files
 * @param alerts when its alerts fire ({@code alerts}, over edgewatch.yaml's); null when off
 */
public record CameraConfig(Path file, String id, boolean enabled, SourceConfig source, InferenceConfig inference,
                           Duration frequency, Map<String, String> metadata, List<String> sinks, Reconnect reconnect,
                           AlertOptions alerts) {
}
