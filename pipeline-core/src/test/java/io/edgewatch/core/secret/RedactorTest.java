package io.edgewatch.core.secret;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactorTest {

    @Test
    void urlPasswordsSecretQueryValuesAndRegisteredSecretsAreMaskedEverywhereInAText() {
        String ffmpeg = "avformat_open_input() error -111: Could not open input \"rtsp://viewer:Pa55word@10.0.0.9:554/stream1\"."
                + " (Has setFormat() been called?)";
        assertThat(Redactor.redact(ffmpeg)).contains("rtsp://***@10.0.0.9:554/stream1").doesNotContain("Pa55word")
                .doesNotContain("viewer");
        assertThat(Redactor.redact("POST https://hooks.example.com/x?team=a&sig=abcdef123&token=t0k3n failed"))
                .isEqualTo("POST https://hooks.example.com/x?team=a&sig=***&token=*** failed");
        assertThat(Redactor.redact("GET /?api_key=rf_0123456789&nocache=true")).isEqualTo("GET /?api_key=rf***89&nocache=true");
        Redactor.register("unusual-secret-value-42");
        assertThat(Redactor.redact("the server said: key unusual-secret-value-42 is unknown"))
                .isEqualTo("the server said: key un***42 is unknown");
        assertThat(Redactor.redact("nothing to hide here, http://host/path?x=1")).isEqualTo("nothing to hide here, http://host/path?x=1");
        assertThat(Redactor.redact(null)).isNull();
    }

    /**
     * Long hostile texts (a 100 KB camera id, a megabyte of FFmpeg output) are redacted in one
     * pass: the first wave's unbounded scheme pattern rescanned the rest of a long word from each
     * of its letters, and a 100 KB id echoed in an error took 69 s. Without the bound this test
     * runs into the suite's timeout.
     */
    @Test
    void aLongWordIsRedactedInOnePassAndALongSchemeStillLosesItsPassword() {
        String word = "a-".repeat(500_000);
        assertThat(Redactor.redact(word)).isEqualTo(word);
        String url = "x".repeat(100) + "rtsp://admin:Hidden-Pass-1@camera/stream";
        assertThat(Redactor.redact(url)).doesNotContain("Hidden-Pass-1").endsWith("rtsp://***@camera/stream");
        String many = "rtsp://".repeat(100_000);
        assertThat(Redactor.redact(many)).isEqualTo(many);
    }
}
