package io.edgewatch.daemon.log;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import io.edgewatch.core.secret.Redactor;

/**
 * {@code %ex} of the daemon's log through the {@link Redactor}: a logged throwable's messages and
 * those of its causes (JavaCV's {@code Could not open input "rtsp://user:pass@..."}, carried by a
 * source error that Reactor drops and logs) lose every URL password, secret query value and
 * configured secret, as {@code %msg} does; the stack frames are kept. Registered in
 * {@code logback.xml} under {@code ex} and named in its pattern: a pattern without a throwable
 * converter gets Logback's own, which prints the messages as they are.
 */
public final class RedactedThrowable extends ThrowableProxyConverter {

    @Override
    protected String throwableProxyToString(IThrowableProxy tp) {
        return Redactor.redact(super.throwableProxyToString(tp));
    }
}
