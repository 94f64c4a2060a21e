package io.edgewatch.source.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avdevice;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.frame.FramePool;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.secret.Redactor;
import io.edgewatch.core.source.FrameGate;
import io.edgewatch.core.source.FrameSource;
import io.edgewatch.core.source.SourceStatus;
import io.edgewatch.source.Decoder;
import io.edgewatch.source.DecoderException;
import io.edgewatch.source.Reconnect;
import io.edgewatch.source.Resolution;
import io.edgewatch.source.SourceException;
import io.edgewatch.source.SourceOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * A source read by one {@link FFmpegFrameGrabber} that lives on one thread of its own.
 *
 * <p>Each subscription gets a single-thread executor. The grabber is opened, read and closed on
 * that thread only (JavaCV grabbers are not thread-safe, and closing one from another thread has
 * crashed JVMs). It is opened with {@code startUnsafe()}, which skips the JVM-wide lock that
 * {@code start()} takes, so one camera stuck in connect never holds up another. Frames are read on
 * demand ({@link Flux#generate}) and copied out of the grabber's reused buffer into a
 * {@link VideoFrame} of their own.
 */
public final class FfmpegSource implements FrameSource {

    private static final Logger log = LoggerFactory.getLogger(FfmpegSource.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Per camera, the last connection opened or waiting to: a new one waits for it to close. */
    private static final ConcurrentHashMap<String, CompletableFuture<Void>> SESSIONS = new ConcurrentHashMap<>();
    /** Idle frame buffers a source keeps for reuse: enough for the frames a pipeline holds at once. */
    private static final int POOLED_FRAMES = 32;
    /** How often a looped file may be reopened when its passes are short: from 0.5 s, doubling to 30 s. */
    static final Reconnect LOOP_BACKOFF = Reconnect.DEFAULTS;

    static {
        // FFmpeg prints to stderr by itself unless its log goes through ours
        FfmpegLog.install();
    }

    private final SourceOptions options;
    private final AtomicReference<SourceStatus> status =
            new AtomicReference<>(new SourceStatus(SourceStatus.State.STOPPED, Instant.now(), System.nanoTime(), 0, null));

    private final FfmpegLog.Camera ffmpegLog;
    /** The last connection was abandoned by the watchdog. */
    private final AtomicBoolean abandoned = new AtomicBoolean();
    private final AtomicLong converted = new AtomicLong();
    /** The video decoder of the last connection, as FFmpeg opened it; null before the first. */
    private final AtomicReference<String> decoderInUse = new AtomicReference<>();
    /** Connections that fell back from the hardware decoder asked for to software. */
    private final AtomicLong fallbacks = new AtomicLong();
    /** Decoders whose fallback this camera has warned of. */
    private final Set<String> warnedFallback = ConcurrentHashMap.newKeySet();

    public FfmpegSource(SourceOptions options) {
        this.options = options;
        this.ffmpegLog = FfmpegLog.camera(options.cameraId());
    }

    @Override
    public long decodeErrors() {
        return ffmpegLog.decodeErrors();
    }

    /** What this source opens. */
    public SourceOptions options() {
        return options;
    }

    @Override
    public String describe() {
        return options.description();
    }

    @Override
    public boolean live() {
        return options.live();
    }

    @Override
    public SourceStatus status() {
        return status.get();
    }

    /**
     * A file: one pass (or looped), failing on the first error. A live source: reconnects forever by
     * recreating the grabber, with capped exponential backoff and jitter (reset once a stream has been
     * healthy for a while); a stream that ends counts as lost; a connected stream that sends nothing
     * for the watchdog period is abandoned (its owner thread may be stuck in native code and closes the
     * grabber if it ever returns) and replaced.
     */
    @Override
    public String decoder() {
        return decoderInUse.get();
    }

    @Override
    public long decoderFallbacks() {
        return fallbacks.get();
    }

    /** True when opening failed in the decoder ({@code avcodec_open2}), not in reaching the input. */
    static boolean isDecoderFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("avcodec_open2")) {
                return true;
            }
        }
        return false;
    }

    /** Frames converted to BGR and copied since this source was made; a frame its gate skipped is not. */
    public long framesConverted() {
        return converted.get();
    }

    @Override
    public Flux<VideoFrame> frames() {
        return frames(FrameGate.ALL);
    }

    /**
     * As {@link #frames()}; a frame {@code gate} does not keep is grabbed and decoded (the decoder
     * needs every frame) but never converted to BGR nor copied: it comes as a skipped frame.
     */
    @Override
    public Flux<VideoFrame> frames(FrameGate gate) {
        Reconnect reconnect = options.reconnect();
        if (!options.live() || reconnect == null) {
            return Flux.defer(() -> attempt(new AtomicLong(), gate, () -> { }))
                    .doOnComplete(() -> change(SourceStatus.State.STOPPED, null))
                    .doOnError(e -> change(SourceStatus.State.FAILED, e.getMessage()));
        }
        return Flux.defer(() -> {
            int[] failures = {0};
            // frame numbers go on across reconnects
            AtomicLong sequence = new AtomicLong();
            return Flux.defer(() -> {
                        Sinks.One<Boolean> opened = Sinks.one();
                        return watchdog(attempt(sequence, gate, () -> opened.tryEmitValue(true)), opened.asMono(), reconnect,
                                Schedulers.parallel());
                    })
                    .doOnError(TimeoutException.class, e -> abandoned.set(true))
                    .onErrorMap(TimeoutException.class, e -> new SourceException("camera " + options.cameraId()
                            + ": no frame from " + options.description() + " for " + reconnect.watchdog().toSeconds()
                            + " s; abandoning this connection", e))
                    .concatWith(Flux.error(() -> new SourceException("camera " + options.cameraId() + ": "
                            + options.description() + " ended", null)))
                    .retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
                        if (signal.failure() instanceof DecoderException) {
                            // the decoder the camera must use does not open: trying again would not help
                            return Mono.error(signal.failure());
                        }
                        SourceStatus now = status.get();
                        // on the monotonic clock: a wall clock stepped back never made a stream healthy again
                        if (now.state() == SourceStatus.State.STREAMING
                                && System.nanoTime() - now.sinceNanos() >= reconnect.healthyAfter().toNanos()) {
                            failures[0] = 0;
                        }
                        long delay = delayMillis(reconnect, failures[0]++);
                        reconnecting(signal.failure(), delay);
                        return Mono.delay(Duration.ofMillis(delay));
                    })))
                    .doOnError(DecoderException.class, e -> change(SourceStatus.State.FAILED, e.getMessage()))
                    .doOnCancel(() -> change(SourceStatus.State.STOPPED, null))
                    .doOnComplete(() -> change(SourceStatus.State.STOPPED, null));
        });
    }

    /**
     * One connection's watchdog: it must open within the connect timeout, then send its first frame
     * within the watchdog period of opening, and each next frame within the watchdog period of the
     * one before; else it errors with a {@link TimeoutException} (and is abandoned). A connection that
     * opened but never sends a frame is thus replaced after the watchdog period, not after connect
     * timeout plus watchdog.
     */
    static <T> Flux<T> watchdog(Flux<T> connection, Mono<?> opened, Reconnect r, Scheduler timer) {
        Mono<Long> first = Mono.firstWithSignal(Mono.delay(r.connectTimeout().plus(r.watchdog()), timer),
                opened.then(Mono.delay(r.watchdog(), timer)));
        return connection.timeout(first, item -> Mono.delay(r.watchdog(), timer));
    }

    /** min * 2^failures, capped, with +-25 % jitter so cameras behind one switch do not reconnect in step. */
    static long delayMillis(Reconnect r, int failures) {
        long base = Math.min(r.maxDelay().toMillis(), r.minDelay().toMillis() << Math.min(20, failures));
        double jitter = 0.75 + ThreadLocalRandom.current().nextDouble() * 0.5;
        return Math.max(1, Math.min(r.maxDelay().toMillis(), Math.round(base * jitter)));
    }

    private void reconnecting(Throwable failure, long delayMillis) {
        SourceStatus before = status.get();
        String prefix = "camera " + options.cameraId() + ": ";
        // FFmpeg's own text quotes the input URL whole, credentials included
        String message = Redactor.redact(failure.getMessage() != null && failure.getMessage().startsWith(prefix)
                ? failure.getMessage() : prefix + failure);
        status.set(before.next(SourceStatus.State.RECONNECTING, Instant.now(), System.nanoTime(), before.reconnects() + 1, message));
        if (before.state() != SourceStatus.State.RECONNECTING || !Objects.equals(before.lastError(), message)) {
            // the message names the camera already
            log.warn("{}; reconnecting in {} ms (attempt {})", message, delayMillis, before.reconnects() + 1);
        } else {
            log.debug("camera {}: still down; reconnecting in {} ms (attempt {})", options.cameraId(), delayMillis,
                    before.reconnects() + 1);
        }
    }

    /** Records a change of state; logs it once, not once per frame. */
    private void change(SourceStatus.State state, String error) {
        SourceStatus before = status.get();
        if (before.state() == state) {
            return;
        }
        status.set(before.next(state, Instant.now(), System.nanoTime(), before.reconnects(),
                error != null ? Redactor.redact(error) : before.lastError()));
        if (state == SourceStatus.State.STREAMING && before.reconnects() > 0) {
            log.info("camera {}: streaming again from {} after {} reconnect(s)", options.cameraId(), options.description(),
                    before.reconnects());
        } else if (state == SourceStatus.State.FAILED) {
            log.error("{}", error);
        } else {
            log.debug("camera {}: {}", options.cameraId(), state.name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * One connection: a grabber on a thread of its own, from open to close, converting the frames
     * {@code gate} keeps; {@code onOpen} runs once the grabber has opened, before its first frame. A
     * camera's connection opens only once its previous one (of this source or of the source it
     * replaced at a reload) has closed: a cancelled grabber closes only when its native call
     * returns (FFmpeg's connect or read timeout), and opening beside it piled sessions and threads
     * on one camera at each restart. The wait is bounded by {@link #previousCloseWait()}: a grabber
     * stuck in native code for longer is abandoned, as the watchdog abandons it; one the watchdog
     * abandoned is not waited for.
     */
    private Flux<VideoFrame> attempt(AtomicLong sequence, FrameGate gate, Runnable onOpen) {
        return Flux.defer(() -> {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> previous = SESSIONS.put(options.cameraId(), mine);
            boolean[] opened = {false};
            // a grabber the watchdog abandoned is stuck in native code: its replacement does not wait for it
            boolean stuck = abandoned.getAndSet(false);
            Mono<Void> previousClosed = previous == null || previous.isDone() || stuck ? Mono.empty()
                    : Mono.fromFuture(previous, true)
                            .timeout(previousCloseWait(), Schedulers.parallel())
                            .onErrorResume(TimeoutException.class, e -> {
                                log.warn("camera {}: its previous connection to {} has not closed after {} s (stuck in FFmpeg);"
                                                + " opening a new one beside it", options.cameraId(), options.description(),
                                        previousCloseWait().toSeconds());
                                return Mono.empty();
                            });
            return previousClosed
                    .thenMany(Flux.defer(() -> {
                        opened[0] = true;
                        return session(sequence, gate, onOpen, mine);
                    }))
                    .doFinally(signal -> {
                        if (!opened[0]) {
                            // never opened: the camera's next connection waits for what this one waited for
                            if (previous == null) {
                                closed(mine);
                            } else {
                                previous.whenComplete((v, e) -> closed(mine));
                            }
                        }
                    });
        });
    }

    /** How long a new connection waits for the camera's previous one to close. */
    private Duration previousCloseWait() {
        return options.reconnect() != null ? options.reconnect().connectTimeout() : Reconnect.DEFAULTS.connectTimeout();
    }

    private void closed(CompletableFuture<Void> session) {
        session.complete(null);
        SESSIONS.remove(options.cameraId(), session);
    }

    /** One grabber on a thread of its own; {@code done} completes once the thread has closed it. */
    private Flux<VideoFrame> session(AtomicLong sequence, FrameGate gate, Runnable onOpen, CompletableFuture<Void> done) {
        return Flux.defer(() -> {
            String threadName = "edgewatch-source-" + options.cameraId() + "-" + THREADS.incrementAndGet();
            ExecutorService owner = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
            });
            Scheduler scheduler = Schedulers.fromExecutorService(owner, threadName);
            return Flux.<VideoFrame, Session>generate(() -> {
                        ffmpegLog.bind();
                        Session opened = open(sequence, gate);
                        onOpen.run();
                        return opened;
                    }, Session::next, session -> closeOnOwner(session, owner, threadName))
                    .subscribeOn(scheduler)
                    .doFinally(signal -> {
                        // runs after the close task (queued behind the native call that holds the thread)
                        try {
                            owner.execute(() -> closed(done));
                        } catch (RejectedExecutionException e) {
                            closed(done);
                        }
                        owner.shutdown();
                    });
        });
    }

    private Session open(AtomicLong sequence, FrameGate gate) {
        if (status.get().state() != SourceStatus.State.RECONNECTING) {
            change(SourceStatus.State.CONNECTING, null);
        }
        Session s = new Session(sequence, gate);
        s.start();
        change(SourceStatus.State.STREAMING, null);
        return s;
    }

    /** Closes on the owner thread: right here when already on it, else as its next task. */
    private static void closeOnOwner(Session session, ExecutorService owner, String ownerName) {
        session.closing = true;
        if (Thread.currentThread().getName().equals(ownerName)) {
            session.close();
        } else {
            try {
                owner.execute(session::close);
            } catch (RejectedExecutionException e) {
                // the owner already ended; the grabber is not used any more, so closing here is safe
                session.close();
            }
        }
    }

    /** One opened grabber and its position. Touched only by the owner thread. */
    private final class Session {
        private FFmpegFrameGrabber grabber;
        private final BgrConverter converter = new BgrConverter();
        private final FramePool pool = new FramePool(POOLED_FRAMES);
        private final AtomicLong sequence;
        private final FrameGate gate;
        private long framesThisPass;
        private long passStarted;
        private int passes;
        private int shortPasses;
        private boolean reportedPass;
        private boolean warnedScaling;
        private int inWidth = -1;
        private int inHeight = -1;
        private Resolution outSize;
        /** Set from any thread when the session is to close: a looping pause ends. */
        private volatile boolean closing;

        Session(AtomicLong sequence, FrameGate gate) {
            this.sequence = sequence;
            this.gate = gate;
        }

        void start() {
            FFmpegFrameGrabber g = openWith(options.decoder());
            decoderInUse.set(g.getVideoCodecName());
            ffmpegLog.tag(g);
            grabber = g;
            framesThisPass = 0;
            passStarted = System.nanoTime();
            if (passes++ == 0) {
                log.info("camera {}: opened {} ({}x{}, {} fps, decoder {})", options.cameraId(), options.description(),
                        g.getImageWidth(), g.getImageHeight(), String.format(Locale.ROOT, "%.2f", g.getFrameRate()),
                        g.getVideoCodecName());
            } else {
                log.debug("camera {}: opened {} again (pass {})", options.cameraId(), options.description(), passes);
            }
        }

        /**
         * The grabber, opened with the decoder {@code d} asks for ({@link Decoder}): a hardware
         * decoder that fails to open falls back to software (one WARN per camera, counted) unless
         * it is required.
         */
        private FFmpegFrameGrabber openWith(Decoder d) {
            if (d.software()) {
                return open(null);
            }
            if (d.named()) {
                // asked for by name: tried at every connection (its failure may be this stream's, a codec it does not decode)
                FFmpegFrameGrabber g = tryDecoder(d.choice(), d.required(), false);
                return g != null ? g : open(null);
            }
            FFmpegFrameGrabber soft = open(null);
            String codec = soft.getVideoCodecName();
            List<String> candidates = HardwareDecoders.candidates(codec);
            if (candidates.isEmpty()) {
                if (d.required()) {
                    closeQuietly(soft);
                    throw new DecoderException("camera " + options.cameraId() + ": no hardware decoder for " + codec
                            + " opens on this machine (source.decoder: auto); source.decoder_required is true, so the camera stops",
                            null);
                }
                return soft;
            }
            // the stream's codec is known now: open it again with a hardware decoder for it
            closeQuietly(soft);
            for (String name : candidates) {
                FFmpegFrameGrabber g = tryDecoder(name, false, true);
                if (g != null) {
                    return g;
                }
            }
            if (d.required()) {
                throw new DecoderException("camera " + options.cameraId() + ": no hardware decoder for " + codec + " opened ("
                        + String.join(", ", candidates) + "); source.decoder_required is true, so the camera stops", null);
            }
            return open(null);
        }

        /**
         * The grabber opened with decoder {@code name}, or null when that decoder could not be opened
         * (then it fell back: warned and counted), or a {@link DecoderException} when it is
         * {@code required}. A failure to open the input itself is thrown as it is. With
         * {@code remember}, a failure is kept for the process ({@code auto}'s candidates are made
         * for the stream's codec, so their failure is the machine's).
         */
        private FFmpegFrameGrabber tryDecoder(String name, boolean required, boolean remember) {
            List<String> lines = new ArrayList<>();
            FFmpegFrameGrabber g;
            try {
                g = FfmpegLog.quietly(() -> open(name), lines);
            } catch (SourceException e) {
                if (!isDecoderFailure(e)) {
                    lines.forEach(line -> log.error("camera {}: {}", options.cameraId(), line));
                    throw e;
                }
                String why = lines.stream().filter(l -> l.startsWith("[" + name + "]")).map(l -> l.substring(name.length() + 2).strip())
                        .reduce((a, b) -> a + "; " + b).orElse(Streams.withoutJavacvHints(e.getMessage()));
                if (remember) {
                    HardwareDecoders.failed(name, why);
                }
                return decoderFailed(name, why, required);
            }
            String actual = g.getVideoCodecName();
            if (!name.equals(actual)) {
                closeQuietly(g);
                String why = "FFmpeg opened " + actual + " instead";
                if (remember) {
                    HardwareDecoders.failed(name, why);
                }
                return decoderFailed(name, why, required);
            }
            return g;
        }

        private FFmpegFrameGrabber decoderFailed(String name, String why, boolean required) {
            fallbacks.incrementAndGet();
            if (required) {
                throw new DecoderException("camera " + options.cameraId() + ": decoder " + name + " could not be opened for "
                        + options.description() + " (" + why + "); source.decoder_required is true, so the camera stops", null);
            }
            if (warnedFallback.add(name)) {
                log.warn("camera {}: decoder {} could not be opened for {} ({}); decoding in software instead (not tried again"
                        + " until a restart)", options.cameraId(), name, options.description(), why);
            }
            return null;
        }

        /** A grabber opened on the input, with decoder {@code decoderName} (null: FFmpeg's own for the codec). */
        private FFmpegFrameGrabber open(String decoderName) {
            FFmpegFrameGrabber g = new FFmpegFrameGrabber(options.input());
            if (options.format() != null) {
                g.setFormat(options.format());
            }
            options.ffmpegOptions().forEach(g::setOption);
            if (decoderName != null) {
                g.setVideoCodecName(decoderName);
            }
            // the decoder's own picture: converted to BGR by us, straight into a buffer the frame owns
            g.setImageMode(FrameGrabber.ImageMode.RAW);
            try {
                g.startUnsafe();
            } catch (Exception | Error e) {
                closeQuietly(g);
                throw new SourceException("camera " + options.cameraId() + ": cannot open " + options.description()
                        + ": " + Streams.withoutJavacvHints(e.getMessage()) + deviceLibraryHint(), e);
            }
            if (!g.hasVideo()) {
                String streams = Streams.describe(g.getFormatContext());
                closeQuietly(g);
                throw new SourceException("camera " + options.cameraId() + ": " + options.description()
                        + " has no video stream" + (streams.isEmpty() ? "" : " (it has: " + streams + ")"), null);
            }
            return g;
        }

        Session next(SynchronousSink<VideoFrame> sink) {
            try {
                long begun = System.nanoTime();
                Frame frame = grabber.grabImage();
                if (frame == null) {
                    endOfPass();
                    if (options.loop() && framesThisPass > 0 && !closing) {
                        closeQuietly(grabber);
                        grabber = null;
                        pauseBeforeLoop();
                        if (closing) {
                            sink.complete();
                            return this;
                        }
                        start();
                        frame = grabber.grabImage();
                    }
                }
                if (frame == null) {
                    sink.complete();
                    return this;
                }
                framesThisPass++;
                long timestamp = grabber.getTimestamp();
                long decoded = System.nanoTime();
                if (!gate.keep(timestamp, decoded)) {
                    // decoded, as the next frames need it, but never converted nor copied
                    sink.next(VideoFrame.skipped(options.cameraId(), sequence.getAndIncrement(), decoded, Instant.now(),
                            timestamp, decoded - begun));
                    return this;
                }
                AVFrame picture = (AVFrame) frame.opaque;
                Resolution out = fitted(picture.width(), picture.height());
                // the grabber reuses its picture on the next grab: the frame gets a BGR buffer of its own
                Mat copy = converter.convert(picture, pool, out.width(), out.height());
                converted.incrementAndGet();
                long ready = System.nanoTime();
                sink.next(new VideoFrame(options.cameraId(), sequence.getAndIncrement(), ready, Instant.now(),
                        timestamp, copy, pool, ready - begun));
            } catch (SourceException e) {
                sink.error(e);
            } catch (Exception | Error e) {
                sink.error(new SourceException("camera " + options.cameraId() + ": reading " + options.description()
                        + " failed: " + e.getMessage(), e));
            }
            return this;
        }

        /** The size frames of {@code width}x{@code height} are handed on at: worked out when the input size changes. */
        private Resolution fitted(int width, int height) {
            if (width != inWidth || height != inHeight) {
                inWidth = width;
                inHeight = height;
                outSize = options.maxResolution().fit(width, height);
                if ((outSize.width() != width || outSize.height() != height) && !warnedScaling) {
                    warnedScaling = true;
                    log.warn("camera {}: frames of {}x{} are scaled down to {} (source.max_resolution {})", options.cameraId(),
                            width, height, outSize, options.maxResolution());
                }
            }
            return outSize;
        }

        /** The end of a pass over a file: says once when it held no frame, one frame, or fewer than it announced. */
        private void endOfPass() {
            if (options.live() || reportedPass) {
                return;
            }
            // the header's own count: a truncated AVI announces 100 frames where its length in time says 40
            long announced = Streams.announcedVideoFrames(grabber.getFormatContext());
            if (framesThisPass == 0) {
                reportedPass = true;
                log.warn("camera {}: {} holds no frame that FFmpeg can decode", options.cameraId(), options.description());
            } else if (framesThisPass == 1 && options.loop()) {
                reportedPass = true;
                log.warn("camera {}: {} holds a single frame; looping it at most once every {} ms", options.cameraId(),
                        options.description(), LOOP_BACKOFF.maxDelay().toMillis());
            } else if (announced > 0 && framesThisPass < announced * 0.9) {
                reportedPass = true;
                log.warn("camera {}: {} ended after {} of the {} frames its header announces: truncated or corrupt",
                        options.cameraId(), options.description(), framesThisPass, announced);
            }
        }

        /**
         * A looped file never reopens faster than the reconnect backoff allows: a pass shorter than
         * the backoff's first delay (500 ms) waits out the rest; a file of one frame waits longer at
         * each pass, doubling to the backoff's longest delay. Waits in slices so that a stop is not
         * held up.
         */
        private void pauseBeforeLoop() {
            long passMillis = (System.nanoTime() - passStarted) / 1_000_000;
            long wait;
            if (framesThisPass > 1) {
                // a clip: looped without a gap once a pass lasts the first delay
                shortPasses = 0;
                wait = LOOP_BACKOFF.minDelay().toMillis() - passMillis;
            } else {
                // a picture: each reopen waits twice as long, up to the backoff's longest delay
                wait = delayMillis(LOOP_BACKOFF, shortPasses++) - passMillis;
            }
            long until = System.nanoTime() + wait * 1_000_000;
            while (!closing && System.nanoTime() < until) {
                try {
                    Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    // a cancel interrupts the owner: the session is ending, the file is not reopened once more
                    closing = true;
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        void close() {
            if (grabber != null) {
                closeQuietly(grabber);
                grabber = null;
            }
            converter.close();
            pool.close();
            ffmpegLog.close();
        }
    }

    /**
     * Test patterns ({@code lavfi}) and USB cameras need FFmpeg's avdevice library, which links to
     * system libraries (PulseAudio's libpulse) that a minimal machine may lack; JavaCV then only
     * says the input format is unknown. Say what is really missing.
     */
    private String deviceLibraryHint() {
        if (options.format() == null) {
            return "";
        }
        try {
            Loader.load(avdevice.class);
            return "";
        } catch (Throwable t) {
            String cause = t.getCause() != null ? t.getCause().getMessage() : t.getMessage();
            return " (FFmpeg's device library did not load: " + cause
                    + "; on Debian or Ubuntu, 'apt-get install libpulse0' provides what it needs)";
        }
    }

    private void closeQuietly(FFmpegFrameGrabber g) {
        try {
            g.close();
        } catch (Exception e) {
            log.warn("camera {}: closing {} failed: {}", options.cameraId(), options.description(), e.getMessage());
        }
    }
}
