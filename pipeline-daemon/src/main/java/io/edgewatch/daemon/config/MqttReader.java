package io.edgewatch.daemon.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.edgewatch.core.secret.Secret;
import io.edgewatch.sink.broker.BrokerDestination;
import io.edgewatch.sink.broker.BrokerOptions;
import io.edgewatch.sink.mqtt.MqttOptions;
import io.edgewatch.sink.mqtt.MqttTls;
import io.edgewatch.sink.mqtt.MqttTopics;

/**
 * {@code mqtt:} in edgewatch.yaml: the MQTT destination; off (null) when the section is missing.
 * Everything the broker would refuse later is refused here, at its line: a URL that is not
 * {@code tcp://host[:port]} or {@code ssl://host[:port]}, a topic prefix or device id with
 * characters no topic may have, QoS 0 for windows (it cannot be acknowledged), TLS files that
 * cannot be read or hold no certificate or key.
 */
final class MqttReader {

    static final List<String> VERSIONS = List.of("5", "3.1.1");

    private MqttReader() {
    }

    static BrokerDestination read(Section s, String deviceId) {
        if (s.isEmpty()) {
            return null;
        }
        String url = s.requiredString("url");
        URI uri = url == null ? null : uri(s, url);
        String clientId = s.string("client_id", deviceId != null ? deviceId : "edgewatch-" + hostname());
        if (clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 65_535) {
            s.error("client_id", "a client id has at most 65535 bytes");
        }
        String username = s.string("username", null);
        String password = s.string("password", null);
        if (password != null && username == null) {
            s.error("password", "a password needs its username (mqtt.username)");
        }
        String prefix = s.string("topic_prefix", MqttOptions.DEFAULT_TOPIC_PREFIX);
        String bad = MqttTopics.problem(prefix, true);
        if (bad != null) {
            s.error("topic_prefix", Echo.quote(prefix) + " " + bad);
        }
        String device = deviceId != null ? deviceId : clientId;
        String badDevice = MqttTopics.problem(device, false);
        if (badDevice != null) {
            s.error("client_id", "the topics' device level " + Echo.quote(device)
                    + " (device_id, else client_id) " + badDevice);
        }
        int qos = s.integer("qos", MqttOptions.DEFAULT_QOS, 0, 2);
        String version = s.oneOf("version", "5", VERSIONS);
        boolean homeAssistant = s.bool("home_assistant", false);
        String discovery = s.string("discovery_prefix", MqttOptions.DEFAULT_DISCOVERY_PREFIX);
        String badDiscovery = MqttTopics.problem(discovery, true);
        if (badDiscovery != null) {
            s.error("discovery_prefix", Echo.quote(discovery) + " " + badDiscovery);
        }
        Duration keepAlive = s.duration("keep_alive", MqttOptions.DEFAULT_KEEP_ALIVE, Duration.ofSeconds(1));
        BrokerOptions broker = BrokerReader.common(s, MqttOptions.DESTINATION, deviceId);
        if (qos == 0 && broker.windows()) {
            s.error("qos", "QoS 0 cannot be acknowledged, so a window could be lost: use qos 1 (or 2), or windows: false");
        }
        boolean tls = uri != null && uri.getScheme().equals("ssl");
        Section t = s.section("tls");
        Path ca = path(t, "ca");
        Path cert = path(t, "cert");
        Path key = path(t, "key");
        t.rejectUnknownKeys();
        if (!t.isEmpty() && !tls && uri != null) {
            s.error("tls", "TLS settings need an ssl:// URL (mqtt.url is " + Echo.quote(url) + ")");
        }
        if ((cert == null) != (key == null)) {
            t.error(cert == null ? "key" : "cert", "a client certificate needs both tls.cert and tls.key");
        }
        check(t, "ca", ca, () -> MqttTls.trust(ca));
        if (cert != null && key != null) {
            check(t, "cert", cert, () -> MqttTls.certificates(cert));
            check(t, "key", key, () -> MqttTls.privateKey(key));
        }
        s.rejectUnknownKeys();
        if (uri == null || bad != null || badDevice != null || badDiscovery != null || (qos == 0 && broker.windows())) {
            return null;
        }
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        MqttOptions o = new MqttOptions(broker, uri.getScheme() + "://" + uri.getHost() + ":" + port, host, port, false,
                clientId, null, Secret.none(), null, null, null, new MqttTopics(prefix, device), qos, version == null || version.equals("5"),
                homeAssistant, discovery, keepAlive);
        if (username != null) {
            o = o.withCredentials(username, Secret.of(password));
        }
        if (tls) {
            o = o.withTls(ca, cert, key);
        }
        return o;
    }

    private static URI uri(Section s, String url) {
        try {
            URI u = new URI(url.trim());
            String scheme = u.getScheme();
            if (scheme == null || !(scheme.equals("tcp") || scheme.equals("ssl"))) {
                s.error("url", "expected tcp://host:port or ssl://host:port, found " + Echo.quote(url));
                return null;
            }
            if (u.getHost() == null) {
                s.error("url", Echo.quote(url) + " names no host (tcp://host:port)");
                return null;
            }
            if (u.getRawUserInfo() != null) {
                s.error("url", "credentials do not go in the URL: set mqtt.username and mqtt.password");
                return null;
            }
            if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/") || u.getRawQuery() != null
                    || u.getRawFragment() != null) {
                s.error("url", Echo.quote(url) + ": an MQTT URL has no path or query (tcp://host:port)");
                return null;
            }
            if (u.getPort() == 0 || u.getPort() > 65_535) {
                s.error("url", Echo.quote(url) + ": no such port");
                return null;
            }
            return u;
        } catch (URISyntaxException e) {
            s.error("url", "not a URL: " + Echo.quote(url) + " (" + e.getReason() + ")");
            return null;
        }
    }

    private static Path path(Section t, String key) {
        String p = t.string(key, null);
        return p == null ? null : Path.of(p);
    }

    private static void check(Section t, String key, Path file, Runnable read) {
        if (file == null) {
            return;
        }
        try {
            read.run();
        } catch (IllegalArgumentException e) {
            t.error(key, e.getMessage());
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "box";
        }
    }
}
