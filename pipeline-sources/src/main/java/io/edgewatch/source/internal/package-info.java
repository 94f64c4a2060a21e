/**
 * Not API: the FFmpeg source implementation. {@code FfmpegSource} gives each subscription a JavaCV
 * grabber, opened, read and closed only on its own thread. It converts each picture straight into a
 * pooled BGR buffer that the emitted frame owns (through the package-private {@code BgrConverter}).
 * {@code FfmpegSource} is public only for {@code io.edgewatch.source.VideoSources} (and this
 * module's tests). Other packages and modules create sources through {@code VideoSources}.
 */
package io.edgewatch.source.internal;
