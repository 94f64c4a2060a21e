package io.edgewatch.daemon;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * What the daemon tells its service manager, by systemd's notification protocol ({@code sd_notify(3)}):
 * {@code READY=1} once the cameras are launched and the endpoint listens, {@code WATCHDOG=1} while it
 * makes progress, {@code STOPPING=1} at the stop, {@code STATUS=...} lines for {@code systemctl status}.
 * Each is one datagram to the AF_UNIX socket named by {@code $NOTIFY_SOCKET} (a path, or {@code @name}
 * in the abstract namespace). Java's own channels cannot send AF_UNIX datagrams, so this uses Netty's
 * epoll transport, which the endpoint's Reactor Netty already brings.
 *
 * <p>Without {@code $NOTIFY_SOCKET} (not started by systemd with {@code Type=notify}) it is
 * {@link #NONE}, which does nothing. A message that cannot be sent is logged at debug and dropped:
 * notifying never fails the daemon.
 */
interface ServiceNotifier extends AutoCloseable {

    /** The service manager set no notification socket: nothing to say. */
    ServiceNotifier NONE = new ServiceNotifier() {
        @Override
        public void send(String state) {
        }

        @Override
        public Duration watchdogInterval() {
            return Duration.ZERO;
        }

        @Override
        public void close() {
        }
    };

    /** Sends {@code state}, newline-separated {@code KEY=value} assignments. */
    void send(String state);

    /** How often systemd expects {@code WATCHDOG=1} ({@code $WATCHDOG_USEC}), or zero when it watches nothing. */
    Duration watchdogInterval();

    @Override
    void close();

    default void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    default void watchdog() {
        send("WATCHDOG=1");
    }

    default void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    /**
     * The notifier the environment asks for: {@link #NONE} without {@code NOTIFY_SOCKET}. A
     * {@code WATCHDOG_PID} naming another process means the watchdog is not ours (sd_watchdog_enabled(3)).
     */
    static ServiceNotifier fromEnvironment(Map<String, String> env) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isBlank()) {
            return NONE;
        }
        Duration watchdog = Duration.ZERO;
        String usec = env.get("WATCHDOG_USEC");
        String pid = env.get("WATCHDOG_PID");
        if (usec != null && (pid == null || pid.equals(Long.toString(ProcessHandle.current().pid())))) {
            try {
                watchdog = Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(Long.parseLong(usec.trim())));
            } catch (NumberFormatException e) {
                LoggerFactory.getLogger(ServiceNotifier.class).warn("WATCHDOG_USEC={} is not a number of microseconds: no watchdog", usec);
            }
        }
        if (!Epoll.isAvailable()) {
            LoggerFactory.getLogger(ServiceNotifier.class).warn("NOTIFY_SOCKET is set but this platform has no epoll transport ({}):"
                    + " systemd will not hear that edgewatch is ready", Epoll.unavailabilityCause().toString());
            return NONE;
        }
        return new Datagrams(socket, watchdog);
    }

    /** Datagrams to the notification socket on one small event loop of its own. */
    final class Datagrams implements ServiceNotifier {
        private static final Logger log = LoggerFactory.getLogger(ServiceNotifier.class);

        private final EventLoopGroup group;
        private final Bootstrap bootstrap;
        private final DomainSocketAddress target;
        private final Duration watchdog;
        /** Connected to the target; made again after a send fails (systemd re-made its socket). */
        private ChannelFuture channel;

        Datagrams(String socket, Duration watchdog) {
            this.watchdog = watchdog;
            // '@' names a socket in the abstract namespace, which the kernel spells with a leading NUL
            this.target = new DomainSocketAddress(socket.startsWith("@") ? "\0" + socket.substring(1) : socket);
            this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("edgewatch-notify", true),
                    EpollIoHandler.newFactory());
            this.bootstrap = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter());
        }

        @Override
        public synchronized void send(String state) {
            if (channel == null) {
                channel = bootstrap.connect(target);
            }
            ChannelFuture connected = channel;
            connected.addListener(c -> {
                if (!c.isSuccess()) {
                    failed(connected, state, c.cause());
                    return;
                }
                connected.channel().writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8)).addListener(f -> {
                    if (!f.isSuccess()) {
                        failed(connected, state, f.cause());
                    }
                });
            });
        }

        private synchronized void failed(ChannelFuture which, String state, Throwable cause) {
            log.debug("could not tell systemd {}: {}", state.replace('\n', ' '), cause.toString());
            if (channel == which) {
                channel = null;
                which.channel().close();
            }
        }

        @Override
        public Duration watchdogInterval() {
            return watchdog;
        }

        @Override
        public void close() {
            ChannelFuture c;
            synchronized (this) {
                c = channel;
                channel = null;
            }
            if (c != null) {
                // after the writes already queued on the channel's loop
                c.channel().close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
