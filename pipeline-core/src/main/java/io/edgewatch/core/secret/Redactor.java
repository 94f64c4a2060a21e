package io.edgewatch.core.secret;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one redaction every text from outside passes before edgewatch logs, stores, serves or sends
 * it (FFmpeg's messages, URLs, remote error bodies, exception messages): the user-info of every
 * URL ({@code rtsp://user:pass@host} becomes {@code rtsp://***@host}), query parameters whose names
 * mean a secret ({@code api_key}, {@code key}, {@code token}, {@code access_token}, {@code sig},
 * {@code signature}, {@code password}, {@code secret}, …), and every configured secret value
 * ({@link #register}) wherever it appears. {@code api_key} values keep the reference's
 * {@code ab***yz} form; the others become {@code ***}. Thread-safe; null stays null.
 */
public final class Redactor {

    /**
     * Scheme and user-info lengths are bounded so that the search stays linear in the text: an
     * unbounded {@code [A-Za-z0-9+.-]*} rescans the rest of a long word from each of its letters
     * (a 100 KB camera id took 69 s).
     */
    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]{0,31}://)[^/@\\s\"'<>]{0,256}@");
    private static final Pattern SECRET_PARAM = Pattern.compile(
            "(?i)([?&;](api_key|apikey|key|token|access_token|auth|authorization|sig|signature|password|passwd|pwd|secret"
                    + "|client_secret|credential|credentials)=)([^&\\s\"'#<>]*)");
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

    /** {@code text} with every URL's user-info, every secret query value and every registered secret masked. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String s = USER_INFO.matcher(text).replaceAll("$1***@");
        Matcher m = SECRET_PARAM.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(2);
            String value = m.group(3);
            String masked = value.isEmpty() ? "" : name.equalsIgnoreCase("api_key") ? ApiKeys.mask(value) : "***";
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + masked));
        }
        m.appendTail(out);
        s = out.toString();
        for (String secret : SECRETS) {
            if (s.contains(secret)) {
                s = s.replace(secret, ApiKeys.mask(secret));
            }
        }
        return s;
    }
}
