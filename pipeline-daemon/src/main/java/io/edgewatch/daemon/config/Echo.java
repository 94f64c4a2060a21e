package io.edgewatch.daemon.config;

import io.edgewatch.core.secret.Redactor;

/**
 * Values from a configuration file as an error message may show them: redacted (no URL password,
 * no secret query value), control characters escaped as {@code \\u00XX} (no terminal escapes, no
 * forged log lines), and cut to a readable length with the full length said.
 */
final class Echo {

    /** Characters of a value an error shows. */
    static final int VALUE_CHARS = 80;
    /** Characters of a whole message, as a last guard. */
    static final int MESSAGE_CHARS = 2000;

    private Echo() {
    }

    /** {@code 'value'}, made safe as described above. */
    static String quote(String value) {
        return "'" + cut(value, VALUE_CHARS) + "'";
    }

    /** The text, redacted, escaped and cut to {@code max} characters. */
    static String cut(String text, int max) {
        if (text == null) {
            return "null";
        }
        String safe = escape(Redactor.redact(text));
        if (safe.length() <= max) {
            return safe;
        }
        return safe.substring(0, max) + "… (" + text.length() + " characters)";
    }

    /** Control characters (and the line and paragraph separators) as {@code \\u00XX}. */
    static String escape(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
            if (control && b == null) {
                b = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (b != null) {
                if (control) {
                    b.append(String.format("\\u%04X", (int) c));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? text : b.toString();
    }
}
