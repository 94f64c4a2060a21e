package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;

import io.edgewatch.core.source.FrameSource;
import io.edgewatch.source.Reconnect;
import io.edgewatch.source.Resolution;
import io.edgewatch.source.Tls;
import io.edgewatch.source.VideoSources;

/** A camera's {@code source:} section, by type; {@link #open} makes the source it describes. */
public sealed interface SourceConfig {

    /** Frames per second of stream time to infer at most; 0 for all. */
    double maxFps();

    /** {@code source.max_resolution}: larger frames are scaled down to fit. */
    Resolution maxResolution();

    /** The source for camera {@code cameraId}; nothing is opened until its frames are subscribed to. */
    FrameSource open(String cameraId);

    /** A camera, as opposed to a file: it reconnects when its stream is lost. */
    sealed interface Live extends SourceConfig {
        /** How it reconnects ({@code source.reconnect}). */
        Reconnect reconnect();
    }

    /** {@code type: file}: anything FFmpeg reads; lossless unless {@code max_fps} says otherwise. */
    record File(Path path, boolean loop, double maxFps, Resolution maxResolution) implements SourceConfig {
        @Override
        public FrameSource open(String cameraId) {
            return VideoSources.limit(VideoSources.file(cameraId, path, loop), maxResolution);
        }
    }

    /** {@code type: test_pattern}: an FFmpeg {@code lavfi} source, paced to real time. */
    record TestPattern(String pattern, int width, int height, double rate, double maxFps, Reconnect reconnect,
                       Resolution maxResolution) implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return VideoSources.limit(VideoSources.testPattern(cameraId, pattern, width, height, rate, reconnect), maxResolution);
        }
    }

    /** {@code type: rtsp}; an {@code rtsps://} camera's certificate is checked as {@code tls} says. */
    record Rtsp(String url, String transport, Duration timeout, double maxFps, Reconnect reconnect,
                Resolution maxResolution, Tls tls) implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return VideoSources.limit(VideoSources.rtsp(cameraId, url, transport, timeout.toNanos() / 1000, reconnect, tls),
                    maxResolution);
        }
    }

    /** {@code type: usb}: a V4L2 device. */
    record Usb(String device, String inputFormat, String size, Double fps, double maxFps, Reconnect reconnect,
               Resolution maxResolution) implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return VideoSources.limit(VideoSources.usb(cameraId, device, inputFormat, size, fps, reconnect), maxResolution);
        }
    }

    /** {@code type: http}: MJPEG over HTTP; an {@code https://} camera's certificate is checked as {@code tls} says. */
    record Http(String url, Duration timeout, double maxFps, Reconnect reconnect, Resolution maxResolution, Tls tls)
            implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return VideoSources.limit(VideoSources.http(cameraId, url, timeout.toNanos() / 1000, reconnect, tls), maxResolution);
        }
    }
}
