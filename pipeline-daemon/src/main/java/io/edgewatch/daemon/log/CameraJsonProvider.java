package io.edgewatch.daemon.log;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonGenerator;

import ch.qos.logback.classic.spi.ILoggingEvent;
import net.logstash.logback.composite.AbstractFieldJsonProvider;

/**
 * {@code "camera": "id"} for a line that is a camera's: every such line of edgewatch and of FFmpeg
 * starts with {@code camera <id>} (ids are letters, digits, {@code _-.}, at most 64).
 */
public final class CameraJsonProvider extends AbstractFieldJsonProvider<ILoggingEvent> {

    private static final Pattern CAMERA = Pattern.compile("^camera ([A-Za-z0-9][A-Za-z0-9_.-]{0,63})[ :(]");

    public CameraJsonProvider() {
        setFieldName("camera");
    }

    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
        String camera = cameraOf(event.getFormattedMessage());
        if (camera != null) {
            generator.writeStringField(getFieldName(), camera);
        }
    }

    static String cameraOf(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = CAMERA.matcher(message);
        return m.find() ? m.group(1) : null;
    }
}
