package io.edgewatch.daemon.log;

import com.fasterxml.jackson.core.JsonStreamContext;

import io.edgewatch.core.secret.Redactor;
import net.logstash.logback.mask.ValueMasker;

/** Every string value of a JSON log line through the {@link Redactor}, as the text format's {@code %msg} is. */
public final class RedactingMasker implements ValueMasker {

    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (value instanceof CharSequence text) {
            String s = text.toString();
            String redacted = Redactor.redact(s);
            return redacted.equals(s) ? null : redacted;
        }
        return null;
    }
}
