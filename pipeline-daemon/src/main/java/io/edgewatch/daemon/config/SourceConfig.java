package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;

/** A camera's {@code source:} section, by type. */
public sealed interface SourceConfig {

    /** Frames per second of stream time to infer at most; 0 for all. */
    double maxFps();

    /** {@code type: file}: anything FFmpeg reads; lossless unless {@code max_fps} says otherwise. */
    record File(Path path, boolean loop, double maxFps) implements SourceConfig {
    }

    /** {@code type: test_pattern}: an FFmpeg {@code lavfi} source, paced to real time. */
    record TestPattern(String pattern, int width, int height, double rate, double maxFps) implements SourceConfig {
    }

    /** {@code type: rtsp}. */
    record Rtsp(String url, String transport, Duration timeout, double maxFps) implements SourceConfig {
    }

    /** {@code type: usb}: a V4L2 device. */
    record Usb(String device, String inputFormat, String size, Double fps, double maxFps) implements SourceConfig {
    }

    /** {@code type: http}: MJPEG over HTTP, HLS, anything FFmpeg reads from a URL. */
    record Http(String url, Duration timeout, double maxFps) implements SourceConfig {
    }
}
