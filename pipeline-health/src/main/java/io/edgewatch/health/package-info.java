/**
 * What the box knows about itself. {@link io.edgewatch.health.Health} registers cameras and takes
 * their windows through a {@link io.edgewatch.health.CameraListener} and their source state through
 * a {@link io.edgewatch.health.SourceProbe} (contracts of this module, not the pipeline's); each
 * window updates the camera's tracker and alert engine, the Micrometer meters and the
 * {@link io.edgewatch.health.HealthStore}, and its alerts go out through one hub (log, store,
 * history, meters, webhook). Nothing here is touched per frame. {@link io.edgewatch.health.HealthServer}
 * serves {@code /healthz}, {@code /metrics}, {@code /api/cameras}, {@code /api/alerts} and the local
 * inference statistics; what it serves is built when asked. A store that cannot be opened is
 * replaced by {@link io.edgewatch.health.HealthStore#none()}: the daemon runs on, remembering nothing.
 */
package io.edgewatch.health;
