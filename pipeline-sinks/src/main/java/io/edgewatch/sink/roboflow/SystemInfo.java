package io.edgewatch.sink.roboflow;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The machine keys of a Model Monitoring report, read once: {@code platform},
 * {@code platform_release}, {@code platform_version}, {@code architecture}, {@code hostname},
 * {@code ip_address}, {@code mac_address}, {@code processor}. A key that cannot be read is left
 * out, as the reference does.
 */
public final class SystemInfo {

    private SystemInfo() {
    }

    public static Map<String, String> read() {
        Map<String, String> m = new LinkedHashMap<>();
        String os = System.getProperty("os.name", "");
        put(m, "platform", os.toLowerCase(Locale.ROOT).startsWith("linux") ? "Linux" : os);
        put(m, "platform_release", System.getProperty("os.version"));
        put(m, "platform_version", firstLine(Path.of("/proc/sys/kernel/version")));
        String arch = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        put(m, "architecture", arch);
        try {
            put(m, "hostname", InetAddress.getLocalHost().getHostName());
        } catch (Exception e) {
            put(m, "hostname", firstLine(Path.of("/etc/hostname")));
        }
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isLoopback() || !nif.isUp() || nif.isVirtual()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        put(m, "ip_address", a.getHostAddress());
                        byte[] mac = nif.getHardwareAddress();
                        if (mac != null && mac.length == 6) {
                            StringBuilder b = new StringBuilder();
                            for (byte x : mac) {
                                b.append(b.length() == 0 ? "" : ":").append(String.format("%02x", x));
                            }
                            put(m, "mac_address", b.toString());
                        }
                        break;
                    }
                }
                if (m.containsKey("ip_address")) {
                    break;
                }
            }
        } catch (Exception ignored) {
            // left out, as the reference does
        }
        put(m, "processor", arch);
        return m;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null && !value.isBlank()) {
            m.put(key, value.trim());
        }
    }

    private static String firstLine(Path p) {
        try {
            return Files.readAllLines(p).stream().findFirst().orElse(null);
        } catch (Exception e) {
            return null;
        }
    }
}
