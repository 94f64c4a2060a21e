package io.edgewatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.source.internal.FfmpegSource;
import io.edgewatch.source.internal.HardwareDecoders;
import io.edgewatch.testkit.SyntheticClip;

/**
 * {@code source.decoder} with the real native libraries on a machine without a GPU (as CI is):
 * NVIDIA's {@code h264_cuvid} is in this FFmpeg build but cannot open here (no driver:
 * {@code Cannot load libnvcuvid.so.1}), so it must fall back to software and say so, or stop the
 * camera when it is required; {@code auto} must not pay for hardware this machine does not have.
 */
class DecoderTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Path h264;

    @BeforeAll
    static void writeClip() throws Exception {
        h264 = dir.resolve("clip.mp4");
        SyntheticClip.write(h264, 320, 240, 25, 20, SyntheticClip.Codec.H264);
    }

    private static FrameSource file(String camera, Decoder decoder) {
        return VideoSources.decoder(VideoSources.file(camera, h264, false), decoder);
    }

    @Test
    void aHardwareDecoderThatCannotOpenFallsBackToSoftwareWithOneWarningNamingItAndWhyAndIsCounted() {
        ListAppender<ILoggingEvent> lines = listen();
        try {
            FrameSource source = file("cam-cuvid", new Decoder("h264_cuvid", false));
            List<VideoFrame> frames = source.frames().collectList().block(TIMEOUT);
            assertThat(frames).hasSize(20);
            frames.forEach(VideoFrame::release);
            // read back: FFmpeg would otherwise have fallen back without a word
            assertThat(source.decoder()).isEqualTo("h264");
            assertThat(source.decoderFallbacks()).isEqualTo(1);
            List<String> warnings = events(lines).stream().filter(e -> e.getLevel().toString().equals("WARN"))
                    .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("h264_cuvid")).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0)).contains("camera cam-cuvid", "decoder h264_cuvid could not be opened", "libnvcuvid",
                    "decoding in software");
            // the decoder's own failure lines went into that warning, not out as errors of their own
            assertThat(events(lines)).noneMatch(e -> e.getLevel().toString().equals("ERROR")
                    && e.getFormattedMessage().contains("nvcuvid"));
            assertThat(events(lines)).anyMatch(e -> e.getFormattedMessage().contains("opened file")
                    && e.getFormattedMessage().contains("decoder h264"));

            // a second camera asking for it by name: tried again (a name may fail for one stream's codec only), counted, named
            FrameSource again = file("cam-cuvid-2", new Decoder("h264_cuvid", false));
            again.frames().doOnNext(VideoFrame::release).blockLast(TIMEOUT);
            assertThat(again.decoder()).isEqualTo("h264");
            assertThat(again.decoderFallbacks()).isEqualTo(1);
            assertThat(events(lines)).anyMatch(e -> e.getFormattedMessage().contains("camera cam-cuvid-2: decoder h264_cuvid"));
        } finally {
            stopListening(lines);
        }
    }

    @Test
    void aRequiredDecoderThatCannotOpenStopsALiveCameraWithThatMessageInsteadOfReconnecting() {
        FrameSource source = VideoSources.decoder(VideoSources.testPattern("cam-req", "testsrc2", 320, 240, 25,
                new Reconnect(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(5),
                        Duration.ofSeconds(5))), new Decoder("h264_cuvid", true));
        Throwable error = null;
        try {
            source.frames().doOnNext(VideoFrame::release).blockLast(TIMEOUT);
        } catch (RuntimeException e) {
            error = e;
        }
        assertThat(error).isInstanceOf(DecoderException.class)
                .hasMessageContaining("camera cam-req: decoder h264_cuvid could not be opened")
                .hasMessageContaining("decoder_required is true, so the camera stops");
        assertThat(source.status().state()).isEqualTo(SourceStatus.State.FAILED);
        assertThat(source.status().reconnects()).isZero();
    }

    @Test
    void autoUsesAHardwareDecoderOnlyWhereItsDeviceOpensAndSoftwareElseWithoutAFallback() {
        FrameSource source = file("cam-auto", Decoder.DEFAULT);
        source.frames().doOnNext(VideoFrame::release).blockLast(TIMEOUT);
        if (HardwareDecoders.candidates("h264").isEmpty()) {
            // this machine (CI): no CUDA or QSV device, so nothing was tried and nothing fell back
            assertThat(source.decoder()).isEqualTo("h264");
            assertThat(source.decoderFallbacks()).isZero();
            // and a camera that must have hardware stops, saying so
            FrameSource required = file("cam-auto-req", new Decoder(Decoder.AUTO, true));
            Throwable error = null;
            try {
                required.frames().doOnNext(VideoFrame::release).blockLast(TIMEOUT);
            } catch (RuntimeException e) {
                error = e;
            }
            assertThat(error).isInstanceOf(DecoderException.class).hasMessageContaining("camera cam-auto-req: no hardware decoder for h264");
        } else {
            assertThat(source.decoder()).isIn(HardwareDecoders.candidates("h264"));
        }
        FrameSource software = file("cam-soft", new Decoder(Decoder.SOFTWARE, false));
        software.frames().doOnNext(VideoFrame::release).blockLast(TIMEOUT);
        assertThat(software.decoder()).isEqualTo("h264");
    }

    @Test
    void aDecoderNameThisBuildDoesNotHaveIsNamedForTheConfiguration() {
        assertThat(VideoSources.unknownDecoder("h264_nvmpi")).contains("no decoder named h264_nvmpi");
        assertThat(VideoSources.unknownDecoder("h264_cuvid")).isNull();
        assertThat(VideoSources.unknownDecoder("hevc_qsv")).isNull();
    }

    /** What was logged so far: a copy, taken under the appender's lock (source threads still log while the test reads). */
    private static List<ILoggingEvent> events(ListAppender<ILoggingEvent> lines) {
        synchronized (lines) {
            return new java.util.ArrayList<>(lines.list);
        }
    }

    private static ListAppender<ILoggingEvent> listen() {
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        ((Logger) LoggerFactory.getLogger(FfmpegSource.class)).addAppender(lines);
        ((Logger) LoggerFactory.getLogger("ffmpeg")).addAppender(lines);
        return lines;
    }

    private static void stopListening(ListAppender<ILoggingEvent> lines) {
        ((Logger) LoggerFactory.getLogger(FfmpegSource.class)).detachAppender(lines);
        ((Logger) LoggerFactory.getLogger("ffmpeg")).detachAppender(lines);
    }
}
