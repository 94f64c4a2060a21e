package io.edgewatch.daemon.log;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.mask.MaskingJsonGeneratorDecorator;

/**
 * Switches the log between text ({@code logback.xml}'s pattern) and JSON: one object a line with
 * {@code @timestamp}, {@code level}, {@code logger_name}, {@code thread_name}, {@code camera} (when
 * the line is a camera's), {@code message} and {@code stack_trace} (redacted, {@link RedactedThrowable}),
 * FFmpeg's lines included. {@code EDGEWATCH_LOG_FORMAT}
 * sets it before anything is logged; {@code logging.format} once the configuration is read.
 */
public final class LogFormat {

    /** The environment variable that sets the format from the first line on. */
    public static final String VARIABLE = "EDGEWATCH_LOG_FORMAT";
    public static final String TEXT = "text";
    public static final String JSON = "json";

    private static final String APPENDER = "json";
    private static String current = TEXT;

    private LogFormat() {
    }

    /** Applies {@code EDGEWATCH_LOG_FORMAT} when it is set. */
    public static void fromEnvironment() {
        String set = System.getenv(VARIABLE);
        if (set != null && !set.isBlank()) {
            apply(set.trim().toLowerCase(Locale.ROOT));
        }
    }

    /** The format in force. */
    public static synchronized String current() {
        return current;
    }

    /**
     * {@code json} switches the log to JSON; {@code text} (logback.xml's format, the one at start)
     * and anything else keep the format in force. There is no way back to text in a running
     * process: the environment is read first and wins over the file.
     */
    public static synchronized void apply(String format) {
        if (!JSON.equals(format) || format.equals(current)) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        LogstashEncoder encoder = jsonEncoder(context);
        ConsoleAppender<ILoggingEvent> json = new ConsoleAppender<>();
        json.setContext(context);
        json.setName(APPENDER);
        json.setTarget("System.err");
        json.setEncoder(encoder);
        json.start();
        root.detachAndStopAllAppenders();
        root.addAppender(json);
        current = format;
    }

    /** The JSON encoder, started: every string value through the redactor, the camera a field of its own. */
    static LogstashEncoder jsonEncoder(LoggerContext context) {
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        MaskingJsonGeneratorDecorator masking = new MaskingJsonGeneratorDecorator();
        masking.addValueMasker(new RedactingMasker());
        masking.start();
        encoder.setJsonGeneratorDecorator(masking);
        // stack_trace is masked as a value too; redacting it where it is made does not lean on the decorator
        RedactedThrowable stackTrace = new RedactedThrowable();
        stackTrace.setContext(context);
        encoder.setThrowableConverter(stackTrace);
        CameraJsonProvider camera = new CameraJsonProvider();
        camera.setContext(context);
        encoder.addProvider(camera);
        encoder.start();
        return encoder;
    }
}
