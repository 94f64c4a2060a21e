package io.edgewatch.source;

import java.util.Map;
import java.util.Objects;

/**
 * What FFmpeg opens for one camera.
 *
 * @param cameraId the camera
 * @param input a file path, URL, device path or {@code lavfi} graph
 * @param format FFmpeg's input format ({@code lavfi}, {@code video4linux2}), or null to let FFmpeg probe
 * @param ffmpegOptions FFmpeg input options, as {@code -key value} on its command line (timeouts are in microseconds)
 * @param live true for cameras and streams, false for files read as fast as they are consumed
 * @param loop start again at the end (files)
 * @param description what to print for this source: never a credential
 * @param reconnect how a live source reconnects, or null to fail on the first error (files)
 * @param maxResolution larger frames are scaled down to fit it
 * @param decoder the video decoder to use
 */
public record SourceOptions(String cameraId, String input, String format, Map<String, String> ffmpegOptions,
                            boolean live, boolean loop, String description, Reconnect reconnect,
                            Resolution maxResolution, Decoder decoder) {

    public SourceOptions {
        Objects.requireNonNull(cameraId, "cameraId");
        Objects.requireNonNull(input, "input");
        ffmpegOptions = Map.copyOf(ffmpegOptions);
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(maxResolution, "maxResolution");
        Objects.requireNonNull(decoder, "decoder");
    }

    /** Options with {@link Decoder#DEFAULT}. */
    public SourceOptions(String cameraId, String input, String format, Map<String, String> ffmpegOptions,
                         boolean live, boolean loop, String description, Reconnect reconnect, Resolution maxResolution) {
        this(cameraId, input, format, ffmpegOptions, live, loop, description, reconnect, maxResolution, Decoder.DEFAULT);
    }

    /** Options with {@link Resolution#DEFAULT_MAX}. */
    public SourceOptions(String cameraId, String input, String format, Map<String, String> ffmpegOptions,
                         boolean live, boolean loop, String description, Reconnect reconnect) {
        this(cameraId, input, format, ffmpegOptions, live, loop, description, reconnect, Resolution.DEFAULT_MAX);
    }

    /** The same options with another {@code maxResolution}. */
    public SourceOptions withMaxResolution(Resolution max) {
        return new SourceOptions(cameraId, input, format, ffmpegOptions, live, loop, description, reconnect, max, decoder);
    }

    /** The same options with another {@code decoder}. */
    public SourceOptions withDecoder(Decoder d) {
        return new SourceOptions(cameraId, input, format, ffmpegOptions, live, loop, description, reconnect, maxResolution, d);
    }
}
