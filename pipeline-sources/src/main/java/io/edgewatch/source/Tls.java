package io.edgewatch.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a camera's TLS ({@code https://}, {@code rtsps://}) is checked: {@code source.tls_verify}
 * and {@code source.ca_file}. By default the camera's certificate must chain to a certificate
 * authority of the system's bundle ({@code /etc/ssl/certs/ca-certificates.crt} and the other
 * usual places) or of {@code caFile} when given, and name the host: FFmpeg's bundled OpenSSL
 * looks for its own authorities in a directory of the machine it was built on, so the bundle is
 * always handed to it. {@code verify} false takes any certificate: anyone on the network path can
 * then read the stream and the credentials; the source says so at WARN.
 *
 * @param verify check the camera's certificate
 * @param caFile the authorities to check it against (PEM), or null for the system's bundle
 */
public record Tls(boolean verify, Path caFile) {

    /** Certificates checked against the system's bundle. */
    public static final Tls DEFAULT = new Tls(true, null);

    /** Where Debian/Ubuntu, Fedora/RHEL and Alpine/macOS keep the system's authorities, in that order. */
    static final List<Path> SYSTEM_BUNDLES = List.of(Path.of("/etc/ssl/certs/ca-certificates.crt"),
            Path.of("/etc/pki/tls/certs/ca-bundle.crt"), Path.of("/etc/ssl/cert.pem"));

    /** The authorities certificates are checked against: {@code caFile}, else the first system bundle there is, else null. */
    public Path authorities() {
        if (caFile != null) {
            return caFile;
        }
        return SYSTEM_BUNDLES.stream().filter(Files::isReadable).findFirst().orElse(null);
    }

    /** FFmpeg's input options for this: {@code tls_verify}, and {@code ca_file} when checking. */
    Map<String, String> ffmpegOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("tls_verify", verify ? "1" : "0");
        Path ca = verify ? authorities() : null;
        if (ca != null) {
            options.put("ca_file", ca.toString());
        }
        return options;
    }
}
