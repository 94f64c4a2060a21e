package io.edgewatch.testkit;

import java.nio.file.Path;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Writes real video files through FFmpeg for tests and benchmarks: a dark background with a bright
 * block that moves one step per frame and the frame number printed in the corner, so every frame
 * differs from the last and motion is there to detect.
 */
public final class SyntheticClip {

    /** Video codecs a clip can be written with. */
    public enum Codec {
        /** MPEG-4 part 2: in every FFmpeg build, fast to encode. */
        MPEG4(avcodec.AV_CODEC_ID_MPEG4, avutil.AV_PIX_FMT_YUV420P),
        /** H.264, with the encoder the FFmpeg build has (openh264 in JavaCV's LGPL build). */
        H264(avcodec.AV_CODEC_ID_H264, avutil.AV_PIX_FMT_YUV420P),
        /** Motion JPEG, as IP cameras send it: full-range {@code yuvj420p} pictures. */
        MJPEG(avcodec.AV_CODEC_ID_MJPEG, avutil.AV_PIX_FMT_YUVJ420P);

        final int id;
        final int pixelFormat;

        Codec(int id, int pixelFormat) {
            this.id = id;
            this.pixelFormat = pixelFormat;
        }
    }

    static {
        // the recorder's stream dump is noise in tests and benchmarks
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private SyntheticClip() {
    }

    /** Writes {@code frames} frames of {@code width}x{@code height} at {@code fps} to {@code file}. */
    public static void write(Path file, int width, int height, int fps, int frames, Codec codec) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toString(), width, height, 0);
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
             Mat canvas = new Mat(height, width, org.bytedeco.opencv.global.opencv_core.CV_8UC3)) {
            recorder.setVideoCodec(codec.id);
            recorder.setFrameRate(fps);
            recorder.setPixelFormat(codec.pixelFormat);
            recorder.setVideoBitrate(Math.max(400_000, width * height * fps / 8));
            recorder.setGopSize(fps);
            recorder.start();
            int block = Math.max(8, height / 6);
            for (int i = 0; i < frames; i++) {
                canvas.put(new Scalar(40, 40, 40, 0));
                int x = (i * Math.max(2, width / 100)) % Math.max(1, width - block);
                int y = height / 2 - block / 2 + (int) (height / 4 * Math.sin(i / 10.0));
                try (Rect r = new Rect(x, y, block, block); Scalar white = new Scalar(230, 230, 230, 0);
                     Point at = new Point(8, Math.max(16, height / 12)); Scalar text = new Scalar(0, 200, 255, 0)) {
                    opencv_imgproc.rectangle(canvas, r, white, -1, opencv_imgproc.LINE_8, 0);
                    opencv_imgproc.putText(canvas, Integer.toString(i), at, opencv_imgproc.FONT_HERSHEY_SIMPLEX,
                            Math.max(0.5, height / 480.0), text, 2, opencv_imgproc.LINE_8, false);
                }
                recorder.record(converter.convert(canvas), avutil.AV_PIX_FMT_BGR24);
            }
            recorder.stop();
        }
    }
}
