package io.edgewatch.daemon.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.edgewatch.source.Decoder;
import io.edgewatch.source.Reconnect;
import io.edgewatch.source.Resolution;
import io.edgewatch.source.Tls;
import io.edgewatch.source.VideoSources;

/** A camera's {@code source:} section into its {@link SourceConfig}, reconnect settings included for live sources. */
final class SourceReader {

    static final List<String> TYPES = List.of("file", "test_pattern", "rtsp", "usb", "http");
    static final String DEFAULT_PATTERN = "testsrc2";
    static final String DEFAULT_PATTERN_SIZE = "640x480";
    static final double DEFAULT_PATTERN_RATE = 25;
    static final String DEFAULT_RTSP_TRANSPORT = "tcp";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final String DEFAULT_USB_DEVICE = "/dev/video0";
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");
    /** The largest frame size a {@code size} may ask for (8K UHD): larger would not fit a box's memory. */
    static final Resolution MAX_SIZE = new Resolution(7680, 4320);

    private SourceReader() {
    }

    /** The source, or null when its type is missing or unknown (the error is recorded). */
    static SourceConfig read(Section s, boolean enabled) {
        String type = s.oneOf("type", null, TYPES);
        double maxFps = s.number("max_fps", 0, 0, 1000);
        int[] max = size(s, "max_resolution", Resolution.DEFAULT_MAX.toString());
        Resolution maxResolution = new Resolution(max[0], max[1]);
        Decoder decoder = decoder(s, enabled);
        SourceConfig result = null;
        if (type != null) {
            Reconnect reconnect = type.equals("file") ? null : reconnect(s.section("reconnect"));
            result = switch (type) {
                case "file" -> {
                    String path = s.requiredString("path");
                    if (path != null && enabled && !Files.isReadable(Path.of(path))) {
                        s.error("path", "file " + Path.of(path).toAbsolutePath().normalize() + " does not exist or cannot be read");
                    }
                    yield new SourceConfig.File(path == null ? null : Path.of(path), s.bool("loop", false), maxFps, maxResolution, decoder);
                }
                case "test_pattern" -> {
                    String pattern = s.string("pattern", DEFAULT_PATTERN);
                    if (!pattern.matches("[a-z0-9_]+")) {
                        s.error("pattern", Echo.quote(pattern) + " is not an FFmpeg source filter name (such as testsrc2, smptebars, mandelbrot)");
                    }
                    int[] size = size(s, "size", DEFAULT_PATTERN_SIZE);
                    double rate = s.number("rate", DEFAULT_PATTERN_RATE, 0.1, 240);
                    yield new SourceConfig.TestPattern(pattern, size[0], size[1], rate, maxFps, reconnect, maxResolution, decoder);
                }
                case "rtsp" -> {
                    String url = s.requiredString("url");
                    if (url != null && !url.startsWith("rtsp://") && !url.startsWith("rtsps://")) {
                        s.error("url", "expected an rtsp:// or rtsps:// URL");
                    }
                    yield new SourceConfig.Rtsp(url, s.oneOf("transport", DEFAULT_RTSP_TRANSPORT, List.of("tcp", "udp")),
                            s.duration("timeout", DEFAULT_TIMEOUT, Duration.ofMillis(100)), maxFps, reconnect, maxResolution,
                            tls(s, enabled), decoder);
                }
                case "usb" -> {
                    String device = s.string("device", DEFAULT_USB_DEVICE);
                    String inputFormat = s.string("input_format", null);
                    String size = null;
                    if (s.has("size")) {
                        int[] wh = size(s, "size", null);
                        size = wh == null ? null : wh[0] + "x" + wh[1];
                    }
                    Double fps = s.has("fps") ? s.number("fps", 0, 0.1, 1000) : null;
                    yield new SourceConfig.Usb(device, inputFormat, size, fps, maxFps, reconnect, maxResolution, decoder);
                }
                case "http" -> {
                    String url = s.requiredString("url");
                    if (url != null && !url.startsWith("http://") && !url.startsWith("https://")) {
                        s.error("url", "expected an http:// or https:// URL");
                    }
                    yield new SourceConfig.Http(url, s.duration("timeout", DEFAULT_TIMEOUT, Duration.ofMillis(100)), maxFps, reconnect,
                            maxResolution, tls(s, enabled), decoder);
                }
                default -> throw new IllegalStateException(type);
            };
        }
        s.rejectUnknownKeys();
        return result;
    }

    /**
     * {@code source.tls_verify} and {@code source.ca_file} of an {@code rtsp} or {@code http} camera
     * (used for {@code rtsps://} and {@code https://} URLs): certificates are checked unless
     * {@code tls_verify} is false; a {@code ca_file} must be a readable file.
     */
    private static Tls tls(Section s, boolean enabled) {
        boolean verify = s.bool("tls_verify", Tls.DEFAULT.verify());
        String ca = s.string("ca_file", null);
        if (ca != null && enabled && !Files.isReadable(Path.of(ca))) {
            s.error("ca_file", "file " + Path.of(ca).toAbsolutePath().normalize() + " does not exist or cannot be read");
        }
        return new Tls(verify, ca == null ? null : Path.of(ca));
    }

    /**
     * {@code source.decoder} ({@code auto}, {@code software} or the name of a decoder this build of
     * FFmpeg has) and {@code source.decoder_required}.
     */
    private static Decoder decoder(Section s, boolean enabled) {
        String choice = s.string("decoder", Decoder.DEFAULT.choice());
        boolean required = s.bool("decoder_required", Decoder.DEFAULT.required());
        if (!choice.matches("[a-z0-9_]+")) {
            s.error("decoder", "expected auto, software or an FFmpeg decoder name such as h264_cuvid, found " + Echo.quote(choice));
            return Decoder.DEFAULT;
        }
        Decoder d = new Decoder(choice, required);
        if (d.named() && enabled) {
            // a name FFmpeg does not know would be a silent fallback to software at every start
            String why = VideoSources.unknownDecoder(choice);
            if (why != null) {
                s.error("decoder", why);
            }
        }
        if (d.software() && required) {
            s.error("decoder_required", "needs a hardware decoder: source.decoder is software");
        }
        return d;
    }

    /** {@code source.reconnect} over {@link Reconnect#DEFAULTS}. */
    private static Reconnect reconnect(Section r) {
        Reconnect d = Reconnect.DEFAULTS;
        Duration min = r.duration("min_delay", d.minDelay(), Duration.ofMillis(10));
        Duration max = r.duration("max_delay", d.maxDelay(), Duration.ofMillis(10));
        if (max.compareTo(min) < 0) {
            r.error("max_delay", "must not be shorter than min_delay (" + Durations.format(min) + ")");
            max = min;
        }
        Reconnect reconnect = new Reconnect(min, max, r.duration("healthy_after", d.healthyAfter(), Duration.ofSeconds(1)),
                r.duration("watchdog", d.watchdog(), Duration.ofMillis(100)),
                r.duration("connect_timeout", d.connectTimeout(), Duration.ofMillis(100)));
        r.rejectUnknownKeys();
        return reconnect;
    }

    private static int[] size(Section s, String key, String def) {
        String text = s.string(key, def);
        if (text == null) {
            return null;
        }
        Matcher m = SIZE.matcher(text);
        if (!m.matches() || Integer.parseInt(m.group(1)) < 16 || Integer.parseInt(m.group(2)) < 16) {
            s.error(key, "expected WIDTHxHEIGHT such as 640x480 (each at least 16), found " + Echo.quote(text));
            return new int[] {640, 480};
        }
        if (Integer.parseInt(m.group(1)) > MAX_SIZE.width() || Integer.parseInt(m.group(2)) > MAX_SIZE.height()) {
            s.error(key, text + " is larger than the largest frame edgewatch takes, " + MAX_SIZE);
            return new int[] {640, 480};
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
}
