package io.edgewatch.testkit;

import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * The corpus of bad media a camera may be pointed at, written by FFmpeg and OpenCV themselves
 * (nothing binary is kept in git): every file is the same on every run (fixed seeds).
 */
public final class BadMedia {

    static {
        // the recorders' stream dumps are noise in tests
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private BadMedia() {
    }

    /** Writes the corpus into the folder given, one {@code name<TAB>path} line per case. */
    public static void main(String[] args) throws Exception {
        for (Map.Entry<String, Path> e : writeAll(Path.of(args[0])).entrySet()) {
            System.out.println(e.getKey() + "\t" + e.getValue());
        }
    }

    /** Writes every case into {@code dir}; the files by case name, in a stable order. */
    public static Map<String, Path> writeAll(Path dir) throws Exception {
        Files.createDirectories(dir);
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("zero-bytes", zeroBytes(dir.resolve("zero.avi")));
        files.put("random-bytes", randomBytes(dir.resolve("random.mp4"), 256 * 1024, 7));
        files.put("png-renamed", pngRenamed(dir.resolve("picture.avi")));
        files.put("audio-only", audioOnly(dir.resolve("audio.mkv"), 3));
        files.put("truncated", truncated(dir.resolve("truncated.avi")));
        files.put("corrupted-h264", corruptedH264(dir.resolve("corrupted.mp4")));
        files.put("resolution-change", resolutionChange(dir.resolve("sizes.ts")));
        files.put("8k", eightK(dir.resolve("8k.avi")));
        return files;
    }

    public static Path zeroBytes(Path file) throws Exception {
        Files.write(file, new byte[0]);
        return file;
    }

    public static Path randomBytes(Path file, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Files.write(file, b);
        return file;
    }

    /** A still picture under a video file's name: FFmpeg opens it (it probes content) and finds one frame. */
    public static Path pngRenamed(Path file) throws Exception {
        Path png = file.resolveSibling(file.getFileName() + ".png");
        try (Mat m = new Mat(240, 320, opencv_core.CV_8UC3, new Scalar(30, 120, 200, 0))) {
            opencv_imgcodecs.imwrite(png.toString(), m);
        }
        Files.move(png, file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** Seconds of a 440 Hz tone in MP2 and nothing else. */
    public static Path audioOnly(Path file, int seconds) throws Exception {
        int rate = 44_100;
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(file.toString(), 1)) {
            r.setAudioCodec(avcodec.AV_CODEC_ID_MP2);
            r.setSampleRate(rate);
            r.setAudioBitrate(128_000);
            r.start();
            short[] samples = new short[rate / 10];
            for (int chunk = 0; chunk < seconds * 10; chunk++) {
                for (int i = 0; i < samples.length; i++) {
                    samples[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * (chunk * samples.length + i) / rate));
                }
                r.recordSamples(rate, 1, ShortBuffer.wrap(samples));
            }
            r.stop();
        }
        return file;
    }

    /** 100 frames of AVI, cut after 40 % of its bytes: the header announces 100, the index is gone. */
    public static Path truncated(Path file) throws Exception {
        Path whole = file.resolveSibling("whole-" + file.getFileName());
        SyntheticClip.write(whole, 320, 240, 25, 100, SyntheticClip.Codec.MPEG4);
        byte[] b = Files.readAllBytes(whole);
        Files.write(file, Arrays.copyOf(b, b.length * 4 / 10));
        Files.delete(whole);
        return file;
    }

    /** 200 frames of H.264 in MP4 with 200 bytes overwritten at random in the middle half. */
    public static Path corruptedH264(Path file) throws Exception {
        SyntheticClip.write(file, 640, 480, 25, 200, SyntheticClip.Codec.H264);
        byte[] b = Files.readAllBytes(file);
        Random r = new Random(1);
        for (int i = 0; i < 200; i++) {
            b[b.length / 4 + r.nextInt(b.length / 2)] = (byte) r.nextInt();
        }
        Files.write(file, b);
        return file;
    }

    /** MPEG-TS: 50 frames of 320x240, then 50 of 640x480 in the same stream (two segments back to back). */
    public static Path resolutionChange(Path file) throws Exception {
        Path small = file.resolveSibling("small-" + file.getFileName());
        Path large = file.resolveSibling("large-" + file.getFileName());
        SyntheticClip.write(small, 320, 240, 25, 50, SyntheticClip.Codec.MPEG4);
        SyntheticClip.write(large, 640, 480, 25, 50, SyntheticClip.Codec.MPEG4);
        Files.write(file, Files.readAllBytes(small));
        Files.write(file, Files.readAllBytes(large), StandardOpenOption.APPEND);
        Files.delete(small);
        Files.delete(large);
        return file;
    }

    /** Ten 7680x4320 frames. */
    public static Path eightK(Path file) throws Exception {
        SyntheticClip.write(file, 7680, 4320, 5, 10, SyntheticClip.Codec.MPEG4);
        return file;
    }
}
