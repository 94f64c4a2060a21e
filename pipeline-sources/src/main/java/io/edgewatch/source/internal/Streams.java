package io.edgewatch.source.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;

/** What an opened input holds, for messages: {@code #0 audio (aac), #1 data (bin_data)}. */
final class Streams {

    private Streams() {
    }

    static String describe(AVFormatContext input) {
        if (input == null || input.isNull()) {
            return "";
        }
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < input.nb_streams(); i++) {
            AVCodecParameters p = input.streams(i).codecpar();
            String type = avutil.av_get_media_type_string(p.codec_type()) == null ? "unknown"
                    : avutil.av_get_media_type_string(p.codec_type()).getString();
            streams.add("#" + i + " " + type.toLowerCase(Locale.ROOT) + " (" + avcodec.avcodec_get_name(p.codec_id()).getString() + ")");
        }
        return String.join(", ", streams);
    }

    /** The frame count the container's header gives for its first video stream, or 0 when it gives none. */
    static long announcedVideoFrames(AVFormatContext input) {
        if (input == null || input.isNull()) {
            return 0;
        }
        for (int i = 0; i < input.nb_streams(); i++) {
            if (input.streams(i).codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                return Math.max(0, input.streams(i).nb_frames());
            }
        }
        return 0;
    }

    /**
     * JavaCV's exception text without its hints for people who have not routed FFmpeg's log
     * ({@code (Has setFormat() been called?)}, {@code (For more details, make sure
     * FFmpegLogCallback.set() has been called.)}): edgewatch routes it, and the hints mislead.
     */
    static String withoutJavacvHints(String message) {
        if (message == null) {
            return null;
        }
        return message.replace(" (Has setFormat() been called?)", "")
                .replace(" (For more details, make sure FFmpegLogCallback.set() has been called.)", "").strip();
    }
}
