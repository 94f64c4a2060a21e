/**
 * The video sources edgewatch reads, all through FFmpeg. The factories of
 * {@link io.edgewatch.source.VideoSources} (file, test pattern, RTSP, HTTP, USB) return core
 * {@code FrameSource}s, configured by {@link io.edgewatch.source.SourceOptions} and
 * {@link io.edgewatch.source.Reconnect}. The subscriber owns each emitted frame and must release it.
 * Live sources reconnect with backoff and a watchdog; files fail on their first error. Failures are
 * {@link io.edgewatch.source.SourceException}s that name the camera and the source, never
 * credentials. The implementation is in {@code internal}.
 */
package io.edgewatch.source;
