package io.edgewatch.daemon.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import io.edgewatch.core.secret.Secret;

/**
 * A throwable logged with a line (what Reactor's default onErrorDropped does with a dropped
 * source error, whose cause is JavaCV's {@code Could not open input "rtsp://user:pass@..."}) goes
 * through the redactor like the message: in the daemon's own {@code logback.xml} text format and
 * in the JSON format. Logback adds a throwable converter of its own when a pattern has none, and
 * that one printed both the URL password and a registered secret.
 */
class RedactedThrowableTest {

    private static final String URL_PASSWORD = "Throw-Url-Pw-31";
    private static final String SECRET = "Registered-Throw-Secret-57";

    private static IllegalStateException dropped() {
        Secret.of(SECRET);
        Exception javacv = new Exception("avformat_open_input() error -111: Could not open input \"rtsp://viewer:"
                + URL_PASSWORD + "@10.0.0.9:554/stream1\"");
        return new IllegalStateException("camera door: cannot open rtsp://viewer:" + URL_PASSWORD + "@10.0.0.9:554/stream1"
                + " with key " + SECRET, javacv);
    }

    /** A context of its own, apart from the test run's. */
    private static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        return context;
    }

    @Test
    void theTextLogOfLogbackXmlRedactsAThrowablesMessagesAndKeepsItsStackTrace() throws Exception {
        LoggerContext context = context();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(RedactedThrowableTest.class.getResource("/logback.xml"));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        OutputStreamAppender<?> console = (OutputStreamAppender<?>) root.getAppender("console");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        console.setOutputStream(out);
        try {
            context.getLogger("reactor.core.publisher.Operators").error("Operator called default onErrorDropped", dropped());
        } finally {
            context.stop();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("Operator called default onErrorDropped")
                .contains("java.lang.IllegalStateException: camera door: cannot open rtsp://***@10.0.0.9:554/stream1")
                .contains("Caused by: java.lang.Exception")
                .contains("at io.edgewatch.daemon.log.RedactedThrowableTest")
                .doesNotContain(URL_PASSWORD)
                .doesNotContain(SECRET);
    }

    @Test
    void theJsonLogRedactsAThrowablesMessagesAndKeepsItsStackTrace() {
        LoggerContext context = context();
        var encoder = LogFormat.jsonEncoder(context);
        try {
            Logger logger = context.getLogger("reactor.core.publisher.Operators");
            LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.ERROR,
                    "Operator called default onErrorDropped", dropped(), null);
            String json = new String(encoder.encode(event), StandardCharsets.UTF_8);
            assertThat(json).contains("\"stack_trace\"").contains("rtsp://***@10.0.0.9:554/stream1")
                    .contains("RedactedThrowableTest")
                    .doesNotContain(URL_PASSWORD)
                    .doesNotContain(SECRET);
        } finally {
            encoder.stop();
            context.stop();
        }
    }
}
