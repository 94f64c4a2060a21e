package io.edgewatch.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Roboflow stand-in that misbehaves at the socket level, for fault runs: a plain
 * {@link ServerSocket} on 127.0.0.1 speaking just enough HTTP/1.1 (one request per connection) to
 * answer as the current {@link Mode} says: well, with a status, resetting the connection before
 * or after the status line, never answering, or with a huge body. Every request body it read
 * whole is recorded with the mode it met, so a test can count what reached it.
 */
public final class FaultyReceiver implements AutoCloseable {

    /** How to answer the next requests. */
    public enum Mode {
        /** 200 with a small JSON body. */
        OK,
        /** refuse connections: the port is closed. */
        REFUSED,
        /** read the request, then reset the connection without a status line. */
        RESET_BEFORE_STATUS,
        /** read the request, send {@code 200} and headers, then reset before the body. */
        RESET_AFTER_STATUS,
        /** read the request and never answer. */
        SILENT,
        /** 200 with a 200 MB body. */
        HUGE_BODY,
        /** 500 and 503 alternating with 200. */
        FLAKY,
        /** 429 with {@code Retry-After: 1}. */
        TOO_MANY,
        /** 301, 302, 307, 308 in turn, to another host. */
        REDIRECT,
        /** 503, always. */
        DOWN
    }

    /** One request body read whole, the mode that met it, and the status it was answered (0: none, or cut off). */
    public record Received(String path, String body, Mode mode, int status) {
    }

    private final String workspace;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private volatile Mode mode = Mode.OK;
    private volatile ServerSocket server;
    private final int port;

    public FaultyReceiver(String workspace) throws IOException {
        this.workspace = workspace;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        listen();
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public List<Received> received() {
        return received;
    }

    /** Answers as {@code mode} from now on; {@link Mode#REFUSED} closes the port, any other opens it again. */
    public synchronized void mode(Mode next) throws IOException {
        this.mode = next;
        if (next == Mode.REFUSED) {
            stopListening();
        } else if (server == null) {
            listen();
        }
    }

    private synchronized void listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server = s;
        Thread accept = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    open.add(c);
                    Thread t = new Thread(() -> serve(c), "faulty-receiver-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "faulty-receiver-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private synchronized void stopListening() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        for (Socket c : open) {
            c.close();
        }
        open.clear();
    }

    private void serve(Socket c) {
        try (c) {
            InputStream in = new BufferedInputStream(c.getInputStream());
            OutputStream out = c.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                int length = 0;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                Mode m = mode;
                if (path.startsWith("/?")) {
                    answer(out, 200, "{\"workspace\":\"" + workspace + "\"}", "");
                    continue;
                }
                int status = switch (m) {
                    case OK, REFUSED, RESET_AFTER_STATUS, HUGE_BODY -> 200;
                    case FLAKY -> new int[] {500, 503, 200}[turn.getAndIncrement() % 3];
                    case TOO_MANY -> 429;
                    case REDIRECT -> new int[] {301, 302, 307, 308}[turn.getAndIncrement() % 4];
                    case DOWN -> 503;
                    case RESET_BEFORE_STATUS, SILENT -> 0;
                };
                received.add(new Received(path, body, m, status));
                switch (m) {
                    case OK, REFUSED -> answer(out, 200, "{\"status\":\"ok\"}", "");
                    case RESET_BEFORE_STATUS -> {
                        reset(c);
                        return;
                    }
                    case RESET_AFTER_STATUS -> {
                        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sta"
                                .getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        reset(c);
                        return;
                    }
                    case SILENT -> {
                        while (mode == Mode.SILENT && !c.isClosed()) {
                            Thread.sleep(50);
                        }
                        return;
                    }
                    case HUGE_BODY -> {
                        long size = 200L << 20;
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + size + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        byte[] block = new byte[1 << 16];
                        for (long sent = 0; sent < size; sent += block.length) {
                            out.write(block);
                        }
                        out.flush();
                    }
                    case FLAKY, DOWN -> answer(out, status, "{}", "");
                    case TOO_MANY -> answer(out, 429, "{}", "Retry-After: 1\r\n");
                    case REDIRECT -> answer(out, status, "", "Location: http://elsewhere.example" + path + "\r\n");
                }
            }
        } catch (IOException | InterruptedException | RuntimeException ended) {
            // the client went away, or we reset it
        } finally {
            open.remove(c);
        }
    }

    private static void reset(Socket c) throws IOException {
        c.setSoLinger(true, 0);
        c.close();
    }

    private static void answer(OutputStream out, int status, String body, String headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n" + headers + "Content-Length: " + b.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    /** The request line and headers, or null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            sb.append((char) c);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                return sb.toString();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        mode = Mode.OK;
        stopListening();
    }
}
