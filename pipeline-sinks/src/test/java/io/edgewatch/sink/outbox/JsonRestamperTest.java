package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

class JsonRestamperTest {

    static final Duration STEP = Duration.ofDays(2000).plusMillis(1500);
    final JsonRestamper restamper = JsonRestamper.of(ZoneId.of("Europe/Berlin"), "timestamp", "at");

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    String restamp(String body) {
        return new String(restamper.restamp("report", b(body), STEP), StandardCharsets.UTF_8);
    }

    @Test
    void theTimesOfTheNamedFieldsMoveInTheirOwnShapeAtAnyDepthAndNothingElseChanges() {
        // Model Monitoring's local time with microseconds: summer (+2) in Berlin, then winter (+1), so 2000 days and 1.5 s later reads an hour less
        assertThat(restamp("{\"timestamp\":\"2021-06-01T12:00:00.123456\",\"source\":\"edgewatch\",\"n\":0.25}"))
                .isEqualTo("{\"timestamp\":\"2026-11-22T11:00:01.623456\",\"source\":\"edgewatch\",\"n\":0.25}");
        // Vision Events' instants with milliseconds, in a list
        assertThat(restamp("{\"events\":[{\"timestamp\":\"2021-06-01T12:00:00.000Z\",\"eventType\":\"custom\"}]}"))
                .isEqualTo("{\"events\":[{\"timestamp\":\"2026-11-22T12:00:01.500Z\",\"eventType\":\"custom\"}]}");
        // the webhook's alert time, nested; an offset kept
        assertThat(restamp("{\"alert\":{\"at\":\"2021-06-01T12:00:00Z\",\"other\":\"2021-06-01T12:00:00Z\"}}"))
                .isEqualTo("{\"alert\":{\"at\":\"2026-11-22T12:00:01Z\",\"other\":\"2021-06-01T12:00:00Z\"}}");
        assertThat(restamp("{\"at\":\"2021-06-01T12:00:00+02:00\"}")).isEqualTo("{\"at\":\"2026-11-22T12:00:01+02:00\"}");
        assertThat(restamp("{\"at\":\"not a time\",\"timestamp\":3}")).isEqualTo("{\"at\":\"not a time\",\"timestamp\":3}");
    }

    @Test
    void aBodyThatIsNotJsonIsLeftAsItIsAndAFlagIsAddedAtTheTop() {
        byte[] jpeg = {(byte) 0xff, (byte) 0xd8, 1, 2};
        assertThat(restamper.restamp("sample", jpeg, STEP)).isSameAs(jpeg);
        assertThat(new String(restamper.flag("report", b("{\"timestamp\":\"x\"}")), StandardCharsets.UTF_8))
                .isEqualTo("{\"timestamp\":\"x\",\"clock_suspect\":true}");
        assertThat(new String(restamper.flaggingWith(top -> top.put("suspect", "yes")).flag("report", b("{}")),
                StandardCharsets.UTF_8)).isEqualTo("{\"suspect\":\"yes\"}");
    }
}
