package io.edgewatch.health;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

/**
 * What the endpoint refuses of what a browser sends on behalf of a page elsewhere, before any
 * route or token is looked at:
 * <ul>
 * <li>a {@code Host} that is not one of this box's own names or addresses with the endpoint's
 * port ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}, the bound host; bound to every
 * address, the machine's name and every address of its interfaces): a page of a rebinding domain
 * (one that resolves to 127.0.0.1) sends its own name, and is refused (421), so it cannot read
 * what the token-less default serves;</li>
 * <li>a request that changes something (any method but GET and HEAD) from another origin: an
 * {@code Origin} other than {@code http://} and the request's {@code Host}, or a
 * {@code Sec-Fetch-Site} other than {@code same-origin} or {@code none} (403);</li>
 * <li>such a request whose body type is not {@code application/json} (415): a page can send
 * text/plain or a form to any address without asking, while JSON makes the browser ask first
 * (a preflight this endpoint never allows).</li>
 * </ul>
 * Requests without a {@code Host} or an {@code Origin} (command-line tools) are not browsers' and
 * pass these checks. Thread-safe, immutable once built.
 */
final class SameOriginGate {

    /** Why a request was refused: its status, its reason as counted, and the message it answers. */
    record Refusal(int status, EndpointGuard.Reason reason, String message) {
    }

    private final Set<String> hosts;

    private SameOriginGate(Set<String> hosts) {
        this.hosts = hosts;
    }

    /** The gate of an endpoint bound to {@code bindHost}:{@code port}, without a token. */
    static SameOriginGate of(String bindHost, int port) {
        return of(bindHost, port, false);
    }

    /**
     * The gate of an endpoint bound to {@code bindHost}:{@code port}. Host names are checked
     * without their port (an SSH tunnel, {@code ssh -L 9000:localhost:8787}, says
     * {@code Host: localhost:9000}; a rebinding page needs a name of its own, whatever the port).
     * With a token required every Host is served (a DNS name of the box's, a reverse proxy): a
     * rebinding page cannot send the token, and the token is what guards the endpoint then.
     */
    static SameOriginGate of(String bindHost, int port, boolean tokenRequired) {
        if (tokenRequired) {
            return new SameOriginGate(null);
        }
        Set<String> names = new LinkedHashSet<>();
        names.add("localhost");
        names.add("127.0.0.1");
        names.add("[::1]");
        String bind = bindHost == null ? "" : bindHost.trim().toLowerCase(Locale.ROOT);
        boolean any = bind.isEmpty() || bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]");
        if (!any) {
            names.add(literal(bind));
            try {
                for (InetAddress a : InetAddress.getAllByName(bind)) {
                    names.add(literal(a.getHostAddress()));
                }
            } catch (UnknownHostException e) {
                // the name as configured is enough: the endpoint could not bind to it otherwise
            }
        } else {
            try {
                InetAddress self = InetAddress.getLocalHost();
                names.add(self.getHostName().toLowerCase(Locale.ROOT));
                names.add(self.getCanonicalHostName().toLowerCase(Locale.ROOT));
                names.add(self.getHostName().toLowerCase(Locale.ROOT) + ".local"); // mDNS, as Avahi announces it
            } catch (UnknownHostException e) {
                // no name of its own: its addresses still work
            }
            try {
                for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                        names.add(literal(a.getHostAddress()));
                    }
                }
            } catch (SocketException e) {
                // none listed: the loopback names above
            }
        }
        return new SameOriginGate(Set.copyOf(names));
    }

    /** An address as it appears in a Host header: IPv6 in brackets, without its scope. */
    private static String literal(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        int scope = a.indexOf('%');
        if (scope >= 0) {
            a = a.substring(0, scope);
        }
        return a.contains(":") && !a.startsWith("[") ? "[" + a + "]" : a;
    }

    /** The host names served (any port), for messages and tests; null when every Host is served (a token is required). */
    Set<String> hosts() {
        return hosts;
    }

    /** The name of a Host header's value, without its port: {@code [::1]:8787} is {@code [::1]}. */
    private static String name(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon >= 0 && colon == h.lastIndexOf(':') ? h.substring(0, colon) : h;
    }

    /** Null when the request may go on; else why not. */
    Refusal check(HttpMethod method, HttpHeaders headers) {
        String host = headers.get("Host");
        if (host != null && hosts != null && !hosts.contains(name(host))) {
            return new Refusal(421, EndpointGuard.Reason.WRONG_HOST, "this endpoint answers only to this box's own names and"
                    + " addresses (such as 127.0.0.1 or localhost), not to Host '" + host + "': a page that"
                    + " reaches it by another name (DNS rebinding) is refused");
        }
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            return null;
        }
        String site = headers.get("Sec-Fetch-Site");
        String origin = headers.get("Origin");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")
                || origin != null && (host == null || !origin.trim().equalsIgnoreCase("http://" + host.trim()))) {
            return new Refusal(403, EndpointGuard.Reason.CROSS_ORIGIN, "a " + method + " from another origin ("
                    + (origin != null ? "Origin " + origin : "Sec-Fetch-Site " + site) + ") is refused: send it from this"
                    + " box's status page or from a tool that sends no Origin");
        }
        String type = headers.get("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            return new Refusal(415, EndpointGuard.Reason.NOT_JSON, "a " + method + " must say Content-Type: application/json"
                    + (type == null ? " (it said none)" : " (it said " + type + ")")
                    + ", such as curl -X POST -H 'Content-Type: application/json'");
        }
        return null;
    }
}
