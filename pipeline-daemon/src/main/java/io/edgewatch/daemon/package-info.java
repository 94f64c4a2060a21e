/**
 * The {@code edgewatch} command ({@link io.edgewatch.daemon.Edgewatch}: {@code run}, {@code validate},
 * exit codes 0, 1, 2) and a running daemon's lifecycle ({@link io.edgewatch.daemon.Daemon}: start,
 * stop, close). One camera is wired by {@link io.edgewatch.daemon.CameraWiring} from its
 * {@code CameraConfig}, on the inference resources the cameras share. A camera that cannot start is
 * logged and the others run.
 */
package io.edgewatch.daemon;
