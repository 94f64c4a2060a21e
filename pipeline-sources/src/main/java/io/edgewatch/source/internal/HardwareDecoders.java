package io.edgewatch.source.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.bytedeco.ffmpeg.avutil.AVBufferRef;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * The hardware decoders of this FFmpeg build that {@code source.decoder: auto} tries, and what this
 * process learnt of them. A decoder is tried only where its device opens
 * ({@code av_hwdevice_ctx_create}: CUDA for {@code *_cuvid}, QSV for {@code *_qsv}), asked once per
 * process, so a box without the hardware pays a few milliseconds once and never a second open of
 * its streams. A decoder that failed to open is remembered with its reason and not tried again.
 */
public final class HardwareDecoders {

    private static final boolean ARM = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT).matches("aarch64|arm64");
    private static final Map<Integer, Boolean> DEVICES = new ConcurrentHashMap<>();
    private static final Map<String, String> FAILED = new ConcurrentHashMap<>();

    private HardwareDecoders() {
    }

    /** True when this build of FFmpeg has a decoder of that name. */
    public static boolean inBuild(String name) {
        FfmpegLog.install();
        return avcodec.avcodec_find_decoder_by_name(name) != null;
    }

    /**
     * The hardware decoders {@code auto} tries, in order, for a stream whose software decoder is
     * {@code codec} ({@code h264}, {@code hevc}, {@code mjpeg}, ...): those in the build whose device
     * this machine has and that have not failed here before.
     */
    public static List<String> candidates(String codec) {
        List<String> out = new ArrayList<>();
        if (codec == null || codec.isEmpty()) {
            return out;
        }
        add(out, codec + "_cuvid", avutil.AV_HWDEVICE_TYPE_CUDA);
        if (!ARM) {
            add(out, codec + "_qsv", avutil.AV_HWDEVICE_TYPE_QSV);
        } else {
            // V4L2 memory-to-memory decoders have no device to ask for: tried once, remembered if they fail
            add(out, codec + "_v4l2m2m", -1);
        }
        return out;
    }

    private static void add(List<String> out, String name, int deviceType) {
        if (!FAILED.containsKey(name) && inBuild(name) && (deviceType < 0 || device(deviceType))) {
            out.add(name);
        }
    }

    /** True when FFmpeg can open a device of that type here; asked once per process, quietly. */
    private static boolean device(int type) {
        return DEVICES.computeIfAbsent(type, t -> FfmpegLog.quietly(() -> {
            AVBufferRef ref = new AVBufferRef();
            int r = avutil.av_hwdevice_ctx_create(ref, t, (String) null, null, 0);
            if (r >= 0) {
                avutil.av_buffer_unref(ref);
            }
            return r >= 0;
        }, new ArrayList<>()));
    }

    /** Remembers that {@code name} failed to open here, and why: it is not tried again by {@code auto}. */
    static void failed(String name, String why) {
        FAILED.putIfAbsent(name, why);
    }
}
