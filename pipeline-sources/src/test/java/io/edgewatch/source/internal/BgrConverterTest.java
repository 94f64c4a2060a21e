package io.edgewatch.source.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.edgewatch.core.frame.FramePool;
import io.edgewatch.source.VideoSources;
import io.edgewatch.testkit.SyntheticClip;

/**
 * The BGR conversion of Motion JPEG (full-range {@code yuvj420p} pictures, what IP cameras send):
 * one swscale context for the stream, not one per frame. Per-frame lookups with
 * {@code sws_getCachedContext} never matched for these formats: a new context and a "deprecated
 * pixel format" warning every frame (the CPU of a camera, and a log line counted per frame).
 */
class BgrConverterTest {

    @TempDir
    Path dir;

    @Test
    void aMotionJpegStreamGetsOneConversionContextAndNoWarningPerFrame() throws Exception {
        Path clip = dir.resolve("mjpeg.avi");
        SyntheticClip.write(clip, 160, 120, 25, 40, SyntheticClip.Codec.MJPEG);
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(clip.toString()); BgrConverter converter = new BgrConverter();
             FramePool pool = new FramePool(4)) {
            g.setImageMode(FrameGrabber.ImageMode.RAW);
            g.start();
            int frames = 0;
            Frame f;
            while ((f = g.grabImage()) != null) {
                AVFrame picture = (AVFrame) f.opaque;
                assertThat(picture.format()).isEqualTo(avutil.AV_PIX_FMT_YUVJ420P);
                Mat bgr = converter.convert(picture, pool);
                assertThat(bgr.cols()).isEqualTo(160);
                bgr.close();
                frames++;
            }
            assertThat(frames).isEqualTo(40);
            assertThat(converter.contextsMade()).isEqualTo(1);
            g.stop();
        }
    }

    @Test
    void theSourceLogsTheDeprecatedFormatWarningOnceNotOncePerFrame() throws Exception {
        Path clip = dir.resolve("mjpeg-source.avi");
        SyntheticClip.write(clip, 160, 120, 25, 40, SyntheticClip.Codec.MJPEG);
        Logger ffmpeg = (Logger) LoggerFactory.getLogger("ffmpeg");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        ffmpeg.addAppender(lines);
        List<Long> seen = new ArrayList<>();
        try {
            var source = VideoSources.file("mjpeg-cam", clip, false);
            // what FfmpegLog asks of FFmpeg (the clip writer turned it down to errors)
            avutil.av_log_set_level(avutil.AV_LOG_WARNING);
            source.frames().doOnNext(fr -> {
                seen.add(fr.sequence());
                fr.release();
            }).blockLast();
        } finally {
            ffmpeg.detachAppender(lines);
        }
        assertThat(seen).hasSize(40);
        List<String> messages = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(messages).as("FFmpeg's lines of the run").noneMatch(m -> m.contains("suppressed"));
        assertThat(messages.stream().filter(m -> m.contains("deprecated pixel format"))).hasSizeLessThanOrEqualTo(1);
    }
}
