package io.edgewatch.daemon.config;

import java.nio.file.Path;
import java.time.Duration;

import io.edgewatch.core.source.FrameSource;
import io.edgewatch.source.Decoder;
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

    /** {@code source.decoder} and {@code source.decoder_required}. */
    Decoder decoder();

    /** The source for camera {@code cameraId}; nothing is opened until its frames are subscribed to. */
    FrameSource open(String cameraId);

    /** {@code source} with this section's frame size limit and decoder. */
    private static FrameSource configured(SourceConfig c, FrameSource source) {
        return VideoSources.decoder(VideoSources.limit(source, c.maxResolution()), c.decoder());
    }

    /** A camera, as opposed to a file: it reconnects when its stream is lost. */
    sealed interface Live extends SourceConfig {
        /** How it reconnects ({@code source.reconnect}). */
        Reconnect reconnect();
    }

    /** {@code type: file}: anything FFmpeg reads; lossless unless {@code max_fps} says otherwise. */
    record File(Path path, boolean loop, double maxFps, Resolution maxResolution, Decoder decoder) implements SourceConfig {
        @Override
        public FrameSource open(String cameraId) {
            return configured(this, VideoSources.file(cameraId, path, loop));
        }
    }

    /** {@code type: test_pattern}: an FFmpeg {@code lavfi} source, paced to real time. */
    record TestPattern(String pattern, int width, int height, double rate, double maxFps, Reconnect reconnect,
                       Resolution maxResolution, Decoder decoder) implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return configured(this, VideoSources.testPattern(cameraId, pattern, width, height, rate, reconnect));
        }
    }

    /** {@code type: rtsp}; an {@code rtsps://} camera's certificate is checked as {@code tls} says. */
    record Rtsp(String url, String transport, Duration timeout, double maxFps, Reconnect reconnect,
                Resolution maxResolution, Tls tls, Decoder decoder) implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return configured(this, VideoSources.rtsp(cameraId, url, transport, timeout.toNanos() / 1000, reconnect, tls));
        }
    }

    /** {@code type: usb}: a V4L2 device. */
    record Usb(String device, String inputFormat, String size, Double fps, double maxFps, Reconnect reconnect,
               Resolution maxResolution, Decoder decoder) implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return configured(this, VideoSources.usb(cameraId, device, inputFormat, size, fps, reconnect));
        }
    }

    /** {@code type: http}: MJPEG over HTTP; an {@code https://} camera's certificate is checked as {@code tls} says. */
    record Http(String url, Duration timeout, double maxFps, Reconnect reconnect, Resolution maxResolution, Tls tls,
                Decoder decoder) implements Live {
        @Override
        public FrameSource open(String cameraId) {
            return configured(this, VideoSources.http(cameraId, url, timeout.toNanos() / 1000, reconnect, tls));
        }
    }
}
