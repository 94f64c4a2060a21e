/**
 * Configuration: a folder of YAML read once into immutable, validated options that the runtime
 * modules take (they never read YAML). {@link io.edgewatch.daemon.config.ConfigLoader} parses the
 * files ({@code ${VAR}} from the environment); each section has a small reader beside the options it
 * makes ({@code StorageConfig}, {@code InferencePool}, {@code HealthConfig}, {@code JsonlConfig},
 * {@code RoboflowReader}, {@code AlertsReader}, {@code CameraConfig}, {@code SourceReader}, one record
 * per detector type registered in {@link io.edgewatch.daemon.config.InferenceConfig#TYPES}), and every
 * default is written once, as a constant there or in the options' own module. Every problem in every
 * file is collected and reported at once ({@link io.edgewatch.daemon.config.ConfigException}), with
 * file, line, column and key; unknown keys are errors.
 */
package io.edgewatch.daemon.config;
