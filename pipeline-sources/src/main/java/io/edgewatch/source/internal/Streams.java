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
}
