/**
 * The daemon's log formats: the default text and {@code logging.format: json} (logstash-logback-encoder,
 * one JSON object a line, every string value through the redactor, the camera a field of its own).
 */
package io.edgewatch.daemon.log;
