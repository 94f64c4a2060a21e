package io.edgewatch.source;

import java.util.Objects;

/**
 * Which FFmpeg decoder a camera's video goes through ({@code source.decoder},
 * {@code source.decoder_required}).
 *
 * <ul>
 *   <li>{@code auto}: for the stream's codec, the hardware decoders of this build that this
 *       platform may have (NVIDIA's {@code *_cuvid} where a CUDA device opens, Intel's {@code *_qsv}
 *       where a Quick Sync device opens, {@code *_v4l2m2m} on ARM), in turn, then software;</li>
 *   <li>{@code software}: FFmpeg's own decoder for the codec;</li>
 *   <li>a decoder's name ({@code h264_cuvid}, {@code hevc_qsv}, ...): that one, then software.</li>
 * </ul>
 * A hardware decoder that fails to open falls back to software with one WARN naming it and why,
 * counted, and is not tried again by this process; with {@code required} the camera stops with that
 * message instead. The decoder really in use is read back after the open (a name FFmpeg does not
 * know would otherwise fall back silently).
 *
 * @param choice {@code auto}, {@code software} or a decoder's name
 * @param required a hardware decoder must be used: no fallback to software
 */
public record Decoder(String choice, boolean required) {

    public static final String AUTO = "auto";
    public static final String SOFTWARE = "software";
    /** {@code auto}, falling back to software. */
    public static final Decoder DEFAULT = new Decoder(AUTO, false);

    public Decoder {
        Objects.requireNonNull(choice, "choice");
    }

    public boolean auto() {
        return AUTO.equals(choice);
    }

    public boolean software() {
        return SOFTWARE.equals(choice);
    }

    /** A decoder named by its FFmpeg name. */
    public boolean named() {
        return !auto() && !software();
    }
}
