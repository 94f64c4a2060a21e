package io.edgewatch.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.pipeline.FramePacing;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.source.internal.FfmpegSource;
import io.edgewatch.testkit.SyntheticClip;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class VideoSourcesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Path clip;

    @BeforeAll
    static void writeClip() throws Exception {
        clip = dir.resolve("clip.avi");
        SyntheticClip.write(clip, 320, 240, 25, 50, SyntheticClip.Codec.MPEG4);
    }

    @Test
    void readsEveryFrameOfAFileInOrderEachWithPixelsOfItsOwn() {
        List<VideoFrame> frames = new ArrayList<>();
        AtomicReference<String> thread = new AtomicReference<>();
        StepVerifier.create(VideoSources.file("cam-f", clip, false).frames()
                        .doOnNext(f -> thread.compareAndSet(null, Thread.currentThread().getName())))
                .recordWith(() -> frames)
                .expectNextCount(50)
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(frames).extracting(VideoFrame::sequence).containsExactlyElementsOf(
                LongStream.range(0, 50).boxed().toList());
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.width()).isEqualTo(320);
            assertThat(f.height()).isEqualTo(240);
            assertThat(f.cameraId()).isEqualTo("cam-f");
            assertThat(f.decodeNanos()).isPositive();
        });
        assertThat(frames.get(49).mediaTimestampMicros()).isBetween(1_900_000L, 2_000_000L);
        // frames were all held at once: had they shared the grabber's buffer, they would all be equal
        assertThat(differentPixels(frames.get(0), frames.get(1))).isPositive();
        assertThat(differentPixels(frames.get(10), frames.get(40))).isPositive();
        assertThat(thread.get()).startsWith("edgewatch-source-cam-f");
        frames.forEach(VideoFrame::release);
    }

    @Test
    void framesHoldExactlyThePixelsJavaCvsOwnBgrConversionGives() throws Exception {
        // the source converts the decoder's picture to BGR itself, straight into the frame's buffer
        Path h264 = dir.resolve("clip-h264.mp4");
        SyntheticClip.write(h264, 320, 240, 25, 20, SyntheticClip.Codec.H264);
        for (Path file : List.of(clip, h264)) {
            List<VideoFrame> frames = new ArrayList<>();
            VideoSources.file("cam-x", file, false).frames().doOnNext(frames::add).blockLast(TIMEOUT);
            try (var grabber = new FFmpegFrameGrabber(file.toString());
                 var converter = new OpenCVFrameConverter.ToMat()) {
                grabber.start();
                int i = 0;
                Frame f;
                while ((f = grabber.grabImage()) != null) {
                    Mat expected = converter.convert(f);
                    VideoFrame mine = frames.get(i);
                    assertThat(mine.pixels().type()).isEqualTo(expected.type());
                    assertThat(mine.pixels().size().width()).isEqualTo(expected.size().width());
                    try (var diff = new Mat()) {
                        opencv_core.absdiff(mine.pixels(), expected, diff);
                        assertThat(opencv_core.countNonZero(diff.reshape(1, 0))).as("%s frame %d", file.getFileName(), i).isZero();
                    }
                    i++;
                }
                grabber.stop();
                assertThat(i).isEqualTo(frames.size()).isPositive();
            } finally {
                frames.forEach(VideoFrame::release);
            }
        }
    }

    @Test
    void aFrameTheGateDoesNotKeepIsCountedButNeverConvertedAndTheKeptOnesAreWhole() {
        // 25 fps clip, max_fps 5: one frame in five is used
        FfmpegSource direct = (FfmpegSource) VideoSources.file("cam-g", clip, false);
        List<VideoFrame> frames = direct.frames(FramePacing.gate(5)).collectList().block(TIMEOUT);
        assertThat(frames).hasSize(50);
        assertThat(frames).extracting(VideoFrame::sequence).containsExactlyElementsOf(LongStream.range(0, 50).boxed().toList());
        List<VideoFrame> kept = frames.stream().filter(f -> !f.isSkipped()).toList();
        assertThat(kept).extracting(VideoFrame::sequence).containsExactly(0L, 5L, 10L, 15L, 20L, 25L, 30L, 35L, 40L, 45L);
        assertThat(kept).allSatisfy(f -> assertThat(f.width()).isEqualTo(320));
        assertThat(frames).filteredOn(VideoFrame::isSkipped).allSatisfy(f -> {
            assertThat(f.isReleased()).isTrue();
            assertThat(f.mediaTimestampMicros()).isPositive();
        });
        assertThat(direct.framesConverted()).isEqualTo(10);
        kept.forEach(VideoFrame::release);

        // what the code before did, and a source that cannot ask early still does: every frame converted, then dropped
        FfmpegSource inner = (FfmpegSource) VideoSources.file("cam-g", clip, false);
        FrameSource late = new FrameSource() {
            @Override
            public Flux<VideoFrame> frames() {
                return inner.frames();
            }

            @Override
            public String describe() {
                return inner.describe();
            }

            @Override
            public boolean live() {
                return false;
            }
        };
        List<VideoFrame> lateFrames = late.frames(FramePacing.gate(5)).collectList().block(TIMEOUT);
        assertThat(lateFrames.stream().filter(f -> !f.isSkipped()).map(VideoFrame::sequence).toList())
                .containsExactly(0L, 5L, 10L, 15L, 20L, 25L, 30L, 35L, 40L, 45L);
        assertThat(inner.framesConverted()).isEqualTo(50);
        lateFrames.forEach(VideoFrame::release);
    }

    @Test
    void loopsAFileWhenAsked() {
        StepVerifier.create(VideoSources.file("cam-l", clip, true).frames().take(120).doOnNext(VideoFrame::release))
                .expectNextCount(120)
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void aMissingFileFailsWithAMessageNamingCameraAndPath() {
        Path missing = dir.resolve("no-such.mp4");
        StepVerifier.create(VideoSources.file("dock-3", missing, false).frames())
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(SourceException.class)
                        .hasMessageContaining("dock-3")
                        .hasMessageContaining(missing.toString()))
                .verify(TIMEOUT);
    }

    @Test
    void aFileThatIsNotVideoFailsClearly() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.avi"), "this is not a video");
        StepVerifier.create(VideoSources.file("cam-j", junk, false).frames())
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("cam-j").hasMessageContaining("junk.avi"))
                .verify(TIMEOUT);
    }

    @Test
    void testPatternProducesLiveFramesOfTheAskedSizeAtRealTime() {
        FrameSource pattern = VideoSources.testPattern("cam-t", "testsrc2", 160, 120, 25);
        assertThat(pattern.live()).isTrue();
        assertThat(pattern.describe()).isEqualTo("test pattern testsrc2 160x120@25");
        List<VideoFrame> frames = new ArrayList<>();
        StepVerifier.create(pattern.frames().take(10))
                .recordWith(() -> frames)
                .expectNextCount(10)
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(frames).allSatisfy(f -> assertThat(f.width()).isEqualTo(160));
        // paced by FFmpeg's realtime filter: 10 frames at 25 fps span about 0.36 s of capture time
        long spanMillis = (frames.get(9).capturedNanos() - frames.get(0).capturedNanos()) / 1_000_000;
        assertThat(spanMillis).isGreaterThan(200);
        assertThat(differentPixels(frames.get(0), frames.get(9))).isPositive();
        frames.forEach(VideoFrame::release);
    }

    @Test
    void cancellingClosesTheSourceAndLetsItsThreadEnd() throws Exception {
        StepVerifier.create(VideoSources.testPattern("cam-c", "testsrc2", 160, 120, 25).frames().doOnNext(VideoFrame::release), 3)
                .expectNextCount(3)
                .thenCancel()
                .verify(TIMEOUT);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sourceThreadsAlive("cam-c") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sourceThreadsAlive("cam-c")).isFalse();
    }

    @Test
    void credentialsInUrlsNeverReachTheDescription() {
        assertThat(VideoSources.rtsp("c", "rtsp://admin:s3cret@10.0.0.5:554/stream1", "tcp", 5_000_000).describe())
                .isEqualTo("rtsp rtsp://***@10.0.0.5:554/stream1");
        assertThat(VideoSources.redactUrl("http://cam.local/mjpeg")).isEqualTo("http://cam.local/mjpeg");
    }

    /** A password with a raw '@' (FFmpeg takes the last one before the path) and pass/pw query parameters: nothing of them shows. */
    @Test
    void noPartOfAPasswordWithAnAtSignOrInTheQueryReachesTheDescription() {
        assertThat(VideoSources.redactUrl("rtsp://admin:p@ss@host/")).isEqualTo("rtsp://***@host/");
        assertThat(VideoSources.rtsp("c", "rtsp://admin:part@tail@10.0.0.5/s", "tcp", 5_000_000).describe())
                .isEqualTo("rtsp rtsp://***@10.0.0.5/s");
        assertThat(VideoSources.redactUrl("http://cam/video.cgi?user=admin&pass=hunter22"))
                .isEqualTo("http://cam/video.cgi?user=admin&pass=***");
        assertThat(VideoSources.http("c", "http://cam/video.cgi?user=admin&pass=hunter22&pw=hunter33", 1_000_000).describe())
                .isEqualTo("http http://cam/video.cgi?user=admin&pass=***&pw=***");
    }

    @Test
    void usbOptionsMapToFfmpegsV4l2InputAndAMissingDeviceIsNamedAndRetried() throws Exception {
        FrameSource usb = VideoSources.usb("line2", "/dev/video97", "mjpeg", "1280x720", 30.0);
        assertThat(usb.live()).isTrue();
        assertThat(usb.describe()).isEqualTo("usb /dev/video97");
        var options = ((FfmpegSource) usb).options();
        assertThat(options.format()).isEqualTo("video4linux2");
        assertThat(options.ffmpegOptions()).containsExactlyInAnyOrderEntriesOf(
                Map.of("input_format", "mjpeg", "video_size", "1280x720", "framerate", "30"));
        assertThat(VideoSources.rtsp("c", "rtsp://h/s", "udp", 5_000_000).describe()).isEqualTo("rtsp rtsp://h/s");
        assertThat(((FfmpegSource) VideoSources.rtsp("c", "rtsp://h/s", "udp", 5_000_000))
                .options().ffmpegOptions()).containsEntry("rtsp_transport", "udp").containsEntry("timeout", "5000000");

        var running = usb.frames().subscribe(VideoFrame::release);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (usb.status().reconnects() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(usb.status().state()).isEqualTo(SourceStatus.State.RECONNECTING);
            assertThat(usb.status().lastError()).contains("line2").contains("/dev/video97");
        } finally {
            running.dispose();
        }
    }

    private static boolean sourceThreadsAlive(String camera) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("edgewatch-source-" + camera + "-") && t.isAlive());
    }

    private static int differentPixels(VideoFrame a, VideoFrame b) {
        try (var diff = new Mat(); var gray = new Mat()) {
            opencv_core.absdiff(a.pixels(), b.pixels(), diff);
            org.bytedeco.opencv.global.opencv_imgproc.cvtColor(diff, gray, org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY);
            return opencv_core.countNonZero(gray);
        }
    }

    @Test
    void everyLiveSourceReconnectsAsItIsToldAndAFileNever() {
        Reconnect slow = new Reconnect(Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofSeconds(20), Duration.ofSeconds(3),
                Duration.ofSeconds(4));
        List<FrameSource> live = List.of(VideoSources.testPattern("a", "testsrc2", 64, 48, 5, slow),
                VideoSources.rtsp("b", "rtsp://127.0.0.1/x", "tcp", 1_000_000, slow),
                VideoSources.http("c", "http://127.0.0.1/x", 1_000_000, slow),
                VideoSources.usb("d", "/dev/video9", null, null, null, slow));
        assertThat(live).allSatisfy(s -> {
            assertThat(s.live()).isTrue();
            assertThat(((FfmpegSource) s).options().reconnect()).isEqualTo(slow);
        });
        assertThat(((FfmpegSource) VideoSources.testPattern("e", "testsrc2", 64, 48, 5)).options().reconnect())
                .isEqualTo(Reconnect.DEFAULTS);
        FrameSource file = VideoSources.file("f", Path.of("x.mp4"), false);
        assertThat(file.live()).isFalse();
        assertThat(((FfmpegSource) file).options().reconnect()).isNull();
    }
}
