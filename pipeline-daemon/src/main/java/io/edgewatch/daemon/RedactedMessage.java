package io.edgewatch.daemon;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgewatch.core.secret.Redactor;

/**
 * {@code %msg} of the daemon's log through {@link Redactor}: whatever a line carries from outside
 * (FFmpeg's messages, URLs, exception texts), no URL password, secret query value or configured
 * secret reaches the log. Registered in {@code logback.xml}.
 */
public final class RedactedMessage extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return Redactor.redact(super.convert(event));
    }
}
