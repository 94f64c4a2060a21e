package io.edgewatch.health;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.management.UnixOperatingSystemMXBean;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * What the local endpoint refuses, counted by reason and summed up in one log line a minute at
 * most (a flood writes one line, not one per connection); and the per-connection guard that
 * closes a connection whose request is not answered within the read timeout of its first byte
 * (a client sending its headers a byte at a time holds nothing for long).
 */
final class EndpointGuard implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthServer.class);

    /** File descriptors the endpoint leaves to cameras, stores and delivery: under this many free, connections are refused. */
    static final long FD_RESERVE = 256;

    /** Why the endpoint refused a connection or a request. */
    enum Reason {
        /** Over {@code health.max_connections}. */
        OVER_CAP,
        /** Fewer than {@link #FD_RESERVE} file descriptors were left to the process. */
        FD_RESERVE,
        /**
         * A request not complete when a timeout closed its connection: {@code health.read_timeout}
         * after its first byte, or {@code health.idle_timeout} for one whose headers never ended.
         */
        TIMED_OUT,
        /** Request line or headers over the limits, or a request that is not HTTP. */
        TOO_LARGE_OR_MALFORMED,
        /** No or a wrong bearer token. */
        UNAUTHORIZED,
        /** The client closed the connection in the middle of a request. */
        ABORTED,
        /** A {@code Host} that is not this box's own name or address (DNS rebinding): see {@link SameOriginGate}. */
        WRONG_HOST,
        /** A request that changes something, sent from another origin (a page elsewhere). */
        CROSS_ORIGIN,
        /** A request that changes something without {@code Content-Type: application/json}. */
        NOT_JSON,
        /** A token from an address that sent too many wrong ones in the last minute (see {@link TokenCheck}). */
        THROTTLED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Reason, AtomicLong> sinceSummary = new EnumMap<>(Reason.class);
    private final Consumer<Reason> meter;
    private final Disposable summaries;

    EndpointGuard(Consumer<Reason> meter) {
        this.meter = meter;
        for (Reason r : Reason.values()) {
            sinceSummary.put(r, new AtomicLong());
        }
        this.summaries = Schedulers.parallel().schedulePeriodically(this::summarise, 1, 1, TimeUnit.MINUTES);
    }

    void refused(Reason reason) {
        meter.accept(reason);
        sinceSummary.get(reason).incrementAndGet();
    }

    /** One WARN line with what was refused since the last one, if anything. */
    void summarise() {
        StringJoiner parts = new StringJoiner(", ");
        for (Map.Entry<Reason, AtomicLong> e : sinceSummary.entrySet()) {
            long n = e.getValue().getAndSet(0);
            if (n > 0) {
                parts.add(n + " " + e.getKey().label());
            }
        }
        if (parts.length() > 0) {
            log.warn("health endpoint: refused in the last minute: {} (counted in edgewatch_health_refused_total)", parts);
        }
    }

    /** File descriptors the process may still open, or {@code Long.MAX_VALUE} where the platform does not say. */
    static long freeFileDescriptors() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount();
        }
        return Long.MAX_VALUE;
    }

    @Override
    public void close() {
        summaries.dispose();
        summarise();
    }

    /**
     * Watches one connection: from the first byte of a request to its response, at most
     * {@code readTimeout}; a connection closed by the client in between counts as aborted; error
     * answers the HTTP decoder gives (400, 413, 414, 431) count as too large or malformed.
     */
    final class Connection extends ChannelDuplexHandler {
        private final Duration readTimeout;
        private ScheduledFuture<?> deadline;
        private boolean pending;

        Connection(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!pending) {
                pending = true;
                deadline = ctx.executor().schedule(() -> {
                    if (pending && ctx.channel().isActive()) {
                        pending = false;
                        refused(Reason.TIMED_OUT);
                        ctx.close();
                    }
                }, readTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            super.channelRead(ctx, msg);
        }

        /**
         * Sits next to the socket, so what it writes is bytes already encoded: a response is the
         * write that starts with its status line ({@code HTTP/1.1 200}).
         */
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            int status = msg instanceof ByteBuf buf ? statusOf(buf) : -1;
            if (status > 0) {
                answered();
                if (status == 400 || status == 413 || status == 414 || status == 431) {
                    refused(Reason.TOO_LARGE_OR_MALFORMED);
                } else if (status == 401) {
                    refused(Reason.UNAUTHORIZED);
                } else if (status == 429) {
                    refused(Reason.THROTTLED);
                }
            }
            super.write(ctx, msg, promise);
        }

        /** The server closes a connection with a request still pending: a timeout did (the idle one). */
        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
            if (pending) {
                refused(Reason.TIMED_OUT);
                answered();
            }
            super.close(ctx, promise);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (pending) {
                refused(Reason.ABORTED);
            }
            answered();
            super.channelInactive(ctx);
        }

        private static int statusOf(ByteBuf buf) {
            int at = buf.readerIndex();
            if (buf.readableBytes() < 12 || buf.getByte(at) != 'H' || buf.getByte(at + 1) != 'T' || buf.getByte(at + 2) != 'T'
                    || buf.getByte(at + 3) != 'P' || buf.getByte(at + 4) != '/' || buf.getByte(at + 8) != ' ') {
                return -1;
            }
            int status = 0;
            for (int i = 9; i < 12; i++) {
                byte b = buf.getByte(at + i);
                if (b < '0' || b > '9') {
                    return -1;
                }
                status = status * 10 + (b - '0');
            }
            return status;
        }

        private void answered() {
            pending = false;
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }
}
