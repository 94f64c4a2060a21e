package io.edgewatch.source;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.secret.Redactor;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.source.internal.FfmpegSource;
import io.edgewatch.source.internal.HardwareDecoders;

/** Creates the video sources edgewatch reads, all through FFmpeg. */
public final class VideoSources {

    private static final Logger log = LoggerFactory.getLogger(VideoSources.class);
    /**
     * What FFmpeg may open for an HTTP camera: HTTP(S) over TCP/TLS, and only the MJPEG demuxers
     * (multipart {@code multipart/x-mixed-replace} and a bare JPEG stream). Without them FFmpeg
     * probes the answer, so a hostile camera answering an HLS playlist made it fetch any URL the
     * playlist named (another host, a local port, a file with a media extension).
     */
    static final String HTTP_PROTOCOLS = "http,https,tcp,tls";
    static final String HTTP_FORMATS = "mpjpeg,mjpeg";
    /** An {@code .m3u8} URL: HLS, its playlists and segments (and their AES keys) over HTTP(S) only. */
    static final String HLS_PROTOCOLS = "http,https,tcp,tls,crypto";
    /** What FFmpeg may open for an RTSP camera: the session (plain or over TLS) and its RTP/RTCP over UDP or TCP. */
    static final String RTSP_PROTOCOLS = "rtsp,rtsps,rtp,srtp,udp,tcp,tls";

    private VideoSources() {
    }

    /** Any file FFmpeg reads, lossless, optionally looped. */
    public static FrameSource file(String cameraId, Path path, boolean loop) {
        return new FfmpegSource(new SourceOptions(cameraId, path.toString(), null, Map.of(), false, loop,
                "file " + path, null));
    }

    /**
     * FFmpeg's {@code lavfi} test source (such as {@code testsrc2}, {@code smptebars}, {@code mandelbrot}),
     * paced to real time like a camera.
     */
    public static FrameSource testPattern(String cameraId, String pattern, int width, int height, double rate) {
        return testPattern(cameraId, pattern, width, height, rate, Reconnect.DEFAULTS);
    }

    /** The test pattern, reopened as {@code reconnect} says if FFmpeg's graph ever ends. */
    public static FrameSource testPattern(String cameraId, String pattern, int width, int height, double rate, Reconnect reconnect) {
        String graph = String.format(Locale.ROOT, "%s=size=%dx%d:rate=%s,realtime", pattern, width, height,
                stripZeros(rate));
        return new FfmpegSource(new SourceOptions(cameraId, graph, "lavfi", Map.of(), true, false,
                "test pattern " + pattern + " " + width + "x" + height + "@" + stripZeros(rate), reconnect));
    }

    /** An RTSP camera; {@code transport} is {@code tcp} or {@code udp}; socket timeout in microseconds. */
    public static FrameSource rtsp(String cameraId, String url, String transport, long timeoutMicros) {
        return rtsp(cameraId, url, transport, timeoutMicros, Reconnect.DEFAULTS);
    }

    /** An RTSP camera that reconnects as {@code reconnect} says; an {@code rtsps://} one checked as {@link Tls#DEFAULT}. */
    public static FrameSource rtsp(String cameraId, String url, String transport, long timeoutMicros, Reconnect reconnect) {
        return rtsp(cameraId, url, transport, timeoutMicros, reconnect, Tls.DEFAULT);
    }

    /** As above, an {@code rtsps://} URL's certificate checked as {@code tls} says. */
    public static FrameSource rtsp(String cameraId, String url, String transport, long timeoutMicros, Reconnect reconnect,
                                   Tls tls) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("rtsp_transport", transport);
        options.put("timeout", Long.toString(timeoutMicros));
        options.put("protocol_whitelist", RTSP_PROTOCOLS);
        String description = "rtsp " + redactUrl(url);
        if (url.regionMatches(true, 0, "rtsps://", 0, 8)) {
            options.putAll(tls(cameraId, description, tls));
        }
        return new FfmpegSource(new SourceOptions(cameraId, url, null, options, true, false, description, reconnect));
    }

    /** A stream FFmpeg reads from a URL (MJPEG over HTTP, HLS). */
    public static FrameSource http(String cameraId, String url, long timeoutMicros) {
        return http(cameraId, url, timeoutMicros, Reconnect.DEFAULTS);
    }

    /** A stream from a URL that reconnects as {@code reconnect} says; an {@code https://} one checked as {@link Tls#DEFAULT}. */
    public static FrameSource http(String cameraId, String url, long timeoutMicros, Reconnect reconnect) {
        return http(cameraId, url, timeoutMicros, reconnect, Tls.DEFAULT);
    }

    /** As above, an {@code https://} URL's certificate checked as {@code tls} says. */
    public static FrameSource http(String cameraId, String url, long timeoutMicros, Reconnect reconnect, Tls tls) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("rw_timeout", Long.toString(timeoutMicros));
        String description = "http " + redactUrl(url);
        if (url.regionMatches(true, 0, "https://", 0, 8)) {
            options.putAll(tls(cameraId, description, tls));
        }
        String format = null;
        if (hlsPlaylist(url)) {
            // asked for by name: HLS, its segments fetched over HTTP(S) only (never file: or other protocols)
            format = "hls";
            options.put("protocol_whitelist", HLS_PROTOCOLS);
        } else {
            // a camera's answer is not probed into a playlist or any other demuxer that opens further URLs
            options.put("protocol_whitelist", HTTP_PROTOCOLS);
            options.put("format_whitelist", HTTP_FORMATS);
        }
        return new FfmpegSource(new SourceOptions(cameraId, url, format, options, true, false, description, reconnect));
    }

    /** A URL whose path ends in {@code .m3u8}: an HLS playlist, by the operator's choice. */
    static boolean hlsPlaylist(String url) {
        String path = url;
        int end = path.length();
        for (char c : new char[] {'?', '#'}) {
            int i = path.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return path.substring(0, end).toLowerCase(Locale.ROOT).endsWith(".m3u8");
    }

    /** FFmpeg's options for {@code tls}; not checking is said at WARN, naming the camera. */
    private static Map<String, String> tls(String cameraId, String description, Tls tls) {
        if (!tls.verify()) {
            log.warn("camera {}: source.tls_verify is false: the certificate of {} is not checked, so anyone on the network"
                    + " path can read and change the stream and read its credentials", cameraId, description);
        } else if (tls.authorities() == null) {
            log.warn("camera {}: no certificate authorities to check {} against (none of {} is there); set source.ca_file",
                    cameraId, description, Tls.SYSTEM_BUNDLES);
        }
        return tls.ffmpegOptions();
    }

    /** A V4L2 device such as {@code /dev/video0}, with optional {@code input_format}, size ({@code 1280x720}) and fps. */
    public static FrameSource usb(String cameraId, String device, String inputFormat, String size, Double fps) {
        return usb(cameraId, device, inputFormat, size, fps, Reconnect.DEFAULTS);
    }

    /** A V4L2 device that reconnects as {@code reconnect} says. */
    public static FrameSource usb(String cameraId, String device, String inputFormat, String size, Double fps, Reconnect reconnect) {
        Map<String, String> options = new LinkedHashMap<>();
        if (inputFormat != null) {
            options.put("input_format", inputFormat);
        }
        if (size != null) {
            options.put("video_size", size);
        }
        if (fps != null) {
            options.put("framerate", stripZeros(fps));
        }
        return new FfmpegSource(new SourceOptions(cameraId, device, "video4linux2", options, true, false,
                "usb " + device, reconnect));
    }

    /**
     * The same source with frames larger than {@code max} scaled down to fit it (sources of
     * edgewatch's own; any other source is returned as it is).
     */
    public static FrameSource limit(FrameSource source, Resolution max) {
        if (source instanceof FfmpegSource f && !f.options().maxResolution().equals(max)) {
            return new FfmpegSource(f.options().withMaxResolution(max));
        }
        return source;
    }

    /** The same source decoding its video as {@code decoder} says ({@link Decoder}); other sources unchanged. */
    public static FrameSource decoder(FrameSource source, Decoder decoder) {
        if (source instanceof FfmpegSource f && !f.options().decoder().equals(decoder)) {
            return new FfmpegSource(f.options().withDecoder(decoder));
        }
        return source;
    }

    /**
     * Null when this build of FFmpeg has a decoder named {@code name}; else why not, naming the
     * hardware decoders it has for the same codec family, for a configuration error.
     */
    public static String unknownDecoder(String name) {
        if (HardwareDecoders.inBuild(name)) {
            return null;
        }
        return "this build of FFmpeg has no decoder named " + name
                + " (use auto, software, or a name such as h264_cuvid, hevc_cuvid, h264_qsv, h264_v4l2m2m)";
    }

    /**
     * {@code scheme://user:password@host/...} becomes {@code scheme://***@host/...} (up to the last
     * {@code @} before the path, as FFmpeg reads it) and secret query values ({@code pass},
     * {@code pw}, {@code token}, …) become {@code ***}: {@link Redactor#redactUrl}. Other URLs are unchanged.
     */
    public static String redactUrl(String url) {
        return Redactor.redactUrl(url);
    }

    private static String stripZeros(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
