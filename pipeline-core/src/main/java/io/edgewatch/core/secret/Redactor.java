package io.edgewatch.core.secret;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one redaction every text from outside passes before edgewatch logs, stores, serves or sends
 * it (FFmpeg's messages, URLs, remote error bodies, exception messages): the user-info of every
 * URL ({@code rtsp://user:pass@host} becomes {@code rtsp://***@host}; it ends at the last
 * {@code @} before the path, as FFmpeg reads it, so a password may hold an {@code @}), query
 * parameters whose names mean a secret ({@code api_key}, {@code token}, {@code sig},
 * {@code pass}, {@code pw}, {@code pwd}, {@code password}, {@code secret}, and any name ending in
 * {@code key}, {@code token}, {@code secret}, {@code pass}, {@code pwd}, {@code password}, …),
 * and every configured secret value ({@link #register}) wherever it appears. {@code api_key}
 * values keep the reference's {@code ab***yz} form; the others become {@code ***}. Thread-safe;
 * null stays null.
 */
public final class Redactor {

    /**
     * Scheme and user-info lengths are bounded so that the search stays linear in the text: an
     * unbounded {@code [A-Za-z0-9+.-]*} rescans the rest of a long word from each of its letters
     * (a 100 KB camera id took 69 s). The user-info is greedy up to the last {@code @} before the
     * first {@code /}: FFmpeg's URL parser takes the last one, so {@code rtsp://admin:p@ss@host/}
     * is user {@code admin}, password {@code p@ss}.
     */
    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]{0,31}://)[^/\\s\"'<>]{0,256}@");
    /** A URL's whole user-info, for {@link #urlPassword}: the same rule, anchored. */
    private static final Pattern URL_USER_INFO = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]{0,31}://([^/\\s\"'<>]{0,256})@");
    /** Every query parameter; {@link #secretName} decides which values are masked. */
    private static final Pattern PARAM = Pattern.compile("([?&;]([A-Za-z0-9_.-]{1,64})=)([^&\\s\"'#<>]*)");
    private static final Set<String> SECRET_NAMES = Set.of("api_key", "apikey", "key", "token", "access_token", "auth",
            "authorization", "sig", "signature", "password", "passwd", "pwd", "pass", "pw", "passphrase", "secret",
            "client_secret", "credential", "credentials");
    /** Names like {@code auth_token}, {@code access_key}, {@code loginpass}, {@code admin_pwd}. */
    private static final List<String> SECRET_SUFFIXES = List.of("key", "token", "secret", "password", "passwd", "pwd",
            "pass", "passphrase", "signature", "credential", "credentials");
    /** Shorter values would mask ordinary words. */
    private static final int MIN_SECRET = 4;
    private static final Set<String> SECRETS = new CopyOnWriteArraySet<>();

    private Redactor() {
    }

    /** A configured secret (a key, a token, a URL's password) to mask wherever it appears from now on. */
    public static void register(String secret) {
        if (secret != null && secret.length() >= MIN_SECRET) {
            SECRETS.add(secret);
        }
    }

    /**
     * The secrets a camera's URL holds, each as written and percent-decoded, to mask wherever they
     * appear from now on: its user-info password and the values of its secret query parameters
     * ({@code ?user=admin&pass=...}), which FFmpeg and cameras echo back in their own texts.
     */
    public static void registerUrlSecrets(String url) {
        if (url == null) {
            return;
        }
        registerWithDecoded(urlPassword(url));
        int query = url.indexOf('?');
        if (query >= 0) {
            Matcher m = PARAM.matcher(url.substring(query));
            while (m.find()) {
                if (secretName(m.group(2))) {
                    registerWithDecoded(m.group(3));
                }
            }
        }
    }

    /** The password of {@code url}'s user-info (everything after its first {@code :}, up to the last {@code @} before the path), or null. */
    public static String urlPassword(String url) {
        if (url == null) {
            return null;
        }
        Matcher m = URL_USER_INFO.matcher(url);
        if (!m.find()) {
            return null;
        }
        String userInfo = m.group(1);
        int colon = userInfo.indexOf(':');
        return colon < 0 ? null : userInfo.substring(colon + 1);
    }

    /** {@code url} fit to print: its user-info and secret query values masked ({@link #redact} does this and more). */
    public static String redactUrl(String url) {
        return url == null ? null : maskParams(USER_INFO.matcher(url).replaceAll("$1***@"));
    }

    /** {@code text} with every URL's user-info, every secret query value and every registered secret masked. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String s = redactUrl(text);
        for (String secret : SECRETS) {
            if (s.contains(secret)) {
                s = s.replace(secret, ApiKeys.mask(secret));
            }
        }
        return s;
    }

    private static String maskParams(String s) {
        Matcher m = PARAM.matcher(s);
        StringBuilder out = null;
        while (m.find()) {
            String name = m.group(2);
            String value = m.group(3);
            if (!secretName(name) || value.isEmpty()) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(s.length());
            }
            String masked = name.equalsIgnoreCase("api_key") ? ApiKeys.mask(value) : "***";
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + masked));
        }
        if (out == null) {
            return s;
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean secretName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (SECRET_NAMES.contains(n)) {
            return true;
        }
        for (String suffix : SECRET_SUFFIXES) {
            if (n.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    private static void registerWithDecoded(String secret) {
        if (secret == null || secret.isEmpty()) {
            return;
        }
        register(secret);
        try {
            register(URLDecoder.decode(secret, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException notEncoded) {
            // a stray '%' is taken as it is: the raw form is registered already
        }
    }
}
