package io.edgewatch.source.internal;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.secret.Redactor;

/**
 * FFmpeg's own log, through SLF4J: one callback for the process (FFmpeg has one), into the logger
 * {@code ffmpeg}, every line redacted and named with its camera, at most {@link #LINES_PER_MINUTE}
 * lines per camera a minute (then one "N more lines suppressed" line), decoder errors counted per
 * camera.
 *
 * <p>Levels: FFmpeg's panic, fatal and error are ERROR; warning is WARN; info (stream dumps) is
 * DEBUG; verbose and debug are TRACE. FFmpeg is asked only for what the logger would print
 * (warnings and worse unless {@code ffmpeg} is at DEBUG).
 *
 * <p>A line is the camera's when it is logged on the camera's grabber thread ({@link Camera#bind()}),
 * or by a decoder context tagged with the camera ({@link Camera#tag}): FFmpeg's frame-threaded
 * decoders log from their own threads, on copies of the context that carry its {@code opaque}
 * pointer; the line's {@code [h264 @ 0x…]} prefix names that context.
 */
public final class FfmpegLog {

    /** Lines a camera may log in a minute before the rest is counted instead. */
    static final int LINES_PER_MINUTE = 10;
    static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final Logger log = LoggerFactory.getLogger("ffmpeg");
    private static final Pattern CONTEXT_ADDRESS = Pattern.compile(" @ 0x[0-9a-fA-F]+\\]");
    private static final Camera NOBODY = new Camera("-", 0);
    private static final ThreadLocal<Camera> CURRENT = new ThreadLocal<>();
    /** Where this thread's lines go instead of the log, while {@link #quietly} runs. */
    private static final ThreadLocal<List<String>> CAPTURED = new ThreadLocal<>();
    /** Camera by the address its decoder contexts carry in {@code opaque}. */
    private static final Map<Long, Camera> BY_TAG = new ConcurrentHashMap<>();
    private static final AtomicLong TAGS = new AtomicLong();
    private static final long CODEC_CLASS;
    private static final Field VIDEO_CONTEXT;
    private static final Callback CALLBACK;

    static {
        // JavaCPP's and JavaCV's own messages ("rejected some options") through SLF4J too
        if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
            System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        }
        CODEC_CLASS = avcodec.avcodec_get_class().address();
        Field f;
        try {
            f = FFmpegFrameGrabber.class.getDeclaredField("video_c");
            f.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            f = null;
        }
        VIDEO_CONTEXT = f;
        CALLBACK = new Callback();
        avutil.setLogCallback(CALLBACK);
        avutil.av_log_set_level(log.isTraceEnabled() ? avutil.AV_LOG_DEBUG
                : log.isDebugEnabled() ? avutil.AV_LOG_INFO : avutil.AV_LOG_WARNING);
        ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgewatch-ffmpeg-log");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleAtFixedRate(FfmpegLog::flushAll, 1, 1, TimeUnit.MINUTES);
    }

    private FfmpegLog() {
    }

    /** Installs the callback (once, on first use of this class). */
    public static void install() {
        // the static initialiser did it
    }

    /**
     * Runs {@code work} with the lines FFmpeg logs on this thread kept in {@code lines} (tidied,
     * redacted) instead of logged: for a probe whose failure is expected, or whose reason is wanted
     * in a message of its own.
     */
    public static <T> T quietly(Supplier<T> work, List<String> lines) {
        List<String> before = CAPTURED.get();
        CAPTURED.set(lines);
        try {
            return work.get();
        } finally {
            if (before == null) {
                CAPTURED.remove();
            } else {
                CAPTURED.set(before);
            }
        }
    }

    /** The log of one camera's source; lives as long as the source. */
    public static Camera camera(String cameraId) {
        return new Camera(cameraId, 0x1000 + TAGS.incrementAndGet() * 16);
    }

    private static void flushAll() {
        for (Camera c : BY_TAG.values()) {
            c.flush(System.nanoTime(), false);
        }
    }

    /** One camera's FFmpeg lines: its rate limit and its decoder error count. Thread-safe. */
    public static final class Camera {
        private final String cameraId;
        private final long tag;
        private final AtomicLong decodeErrors = new AtomicLong();
        private long minuteStart = System.nanoTime();
        private int linesThisMinute;
        private long suppressed;
        private String lastSuppressed;

        Camera(String cameraId, long tag) {
            this.cameraId = cameraId;
            this.tag = tag;
        }

        /** Lines logged on this thread are this camera's, until {@link #unbind()}. */
        public void bind() {
            CURRENT.set(this);
            BY_TAG.put(tag, this);
        }

        public void unbind() {
            CURRENT.remove();
        }

        /** Marks the grabber's video decoder (and the copies its threads decode with) as this camera's. */
        public void tag(FFmpegFrameGrabber grabber) {
            if (VIDEO_CONTEXT == null) {
                return;
            }
            try {
                AVCodecContext c = (AVCodecContext) VIDEO_CONTEXT.get(grabber);
                if (c != null && !c.isNull()) {
                    c.opaque(new Address(tag));
                }
            } catch (IllegalAccessException e) {
                // without the tag, decoder threads' lines are not named; nothing else changes
            }
        }

        /** Error lines of this camera's video decoder so far. */
        public long decodeErrors() {
            return decodeErrors.get();
        }

        /** Logs what was suppressed and forgets the camera: its source has closed. */
        public void close() {
            flush(System.nanoTime(), true);
            BY_TAG.remove(tag);
        }

        /**
         * Logs {@code raw} (tidied and redacted only when it is printed: a stream that warns on every
         * frame costs a count, not a regular expression, once its minute's lines are spent).
         */
        synchronized void write(int level, String raw) {
            long now = System.nanoTime();
            flush(now, false);
            if (linesThisMinute >= LINES_PER_MINUTE) {
                suppressed++;
                lastSuppressed = raw;
                return;
            }
            linesThisMinute++;
            String text = "camera " + cameraId + ": " + Redactor.redact(tidy(raw));
            if (level <= avutil.AV_LOG_ERROR) {
                log.error("{}", text);
            } else if (level <= avutil.AV_LOG_WARNING) {
                log.warn("{}", text);
            } else if (level <= avutil.AV_LOG_INFO) {
                log.debug("{}", text);
            } else {
                log.trace("{}", text);
            }
        }

        /** A new minute: says once how many lines the last one suppressed. */
        synchronized void flush(long now, boolean closing) {
            if (!closing && now - minuteStart < MINUTE_NANOS) {
                return;
            }
            if (suppressed > 0) {
                log.warn("camera {}: {} similar FFmpeg line(s) suppressed in the last minute (the last: {})", cameraId,
                        suppressed, Redactor.redact(tidy(lastSuppressed)));
            }
            minuteStart = now;
            linesThisMinute = 0;
            suppressed = 0;
            lastSuppressed = null;
        }
    }

    /** FFmpeg's lines, formatted by JavaCPP (prefix included), one call per piece of a line. */
    private static final class Callback extends LogCallback {
        @Override
        public void call(int level, BytePointer message) {
            try {
                String raw = message.getString();
                if (raw.isBlank()) {
                    return;
                }
                List<String> captured = CAPTURED.get();
                if (captured != null) {
                    captured.add(Redactor.redact(tidy(raw)));
                    return;
                }
                long context = contextAddress(raw);
                Camera camera = CURRENT.get();
                boolean decoder = context != 0 && isCodecContext(context);
                if (decoder) {
                    Pointer opaque = new AVCodecContext(new Address(context)).opaque();
                    Camera tagged = opaque == null ? null : BY_TAG.get(opaque.address());
                    if (tagged != null) {
                        camera = tagged;
                    }
                }
                if (camera == null) {
                    camera = NOBODY;
                }
                if (decoder && level <= avutil.AV_LOG_ERROR) {
                    camera.decodeErrors.incrementAndGet();
                }
                camera.write(level, raw);
            } catch (RuntimeException e) {
                // never let a log line throw into native code
            }
        }
    }

    /** The address in the innermost {@code [name @ 0x…]} prefix, or 0. */
    static long contextAddress(String line) {
        int at = line.lastIndexOf(" @ 0x");
        if (at < 0 || !line.startsWith("[")) {
            return 0;
        }
        int end = line.indexOf(']', at);
        if (end < 0) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(line.substring(at + 5, end), 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code [h264 @ 0x7f…] text\n} becomes {@code [h264] text}. */
    static String tidy(String raw) {
        return CONTEXT_ADDRESS.matcher(raw).replaceAll("]").strip();
    }

    /** True when the context's first field is the AVClass of codec contexts. */
    private static boolean isCodecContext(long address) {
        return new PointerAt(address).get(0) == CODEC_CLASS;
    }

    /** A pointer at a given address, owning nothing. */
    private static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }

    /** Reads the pointer-sized value at an address. */
    private static final class PointerAt extends LongPointer {
        PointerAt(long address) {
            super((Pointer) null);
            this.address = address;
            this.limit = 1;
            this.capacity = 1;
        }
    }
}
