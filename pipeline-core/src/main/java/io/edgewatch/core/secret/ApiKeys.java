package io.edgewatch.core.secret;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Keeping API keys secret, the reference's way. */
public final class ApiKeys {

    private static final Pattern IN_QUERY = Pattern.compile("(api_key=)([^&\\s\"']*)");

    private ApiKeys() {
    }

    /** {@code ab***yz}: the first and last two characters; {@code ***} for keys shorter than 8. */
    public static String mask(String key) {
        if (key == null || key.length() < 8) {
            return "***";
        }
        return key.substring(0, 2) + "***" + key.substring(key.length() - 2);
    }

    /** Any text with every {@code api_key=...} masked, and the key itself masked wherever else it appears. */
    public static String redact(String text, String key) {
        if (text == null) {
            return null;
        }
        Matcher m = IN_QUERY.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + mask(m.group(2))));
        }
        m.appendTail(out);
        String s = out.toString();
        return key == null || key.isEmpty() ? s : s.replace(key, mask(key));
    }

    /** The MD5 hex of the key: what a cache of per-key answers is keyed by, never the key itself. */
    public static String md5(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
