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

    /**
     * FFmpeg takes the last '@' before the path as the end of the user-info, so a raw '@' in a
     * password is a valid URL: the first wave stopped at the first '@' and logged
     * {@code rtsp://***@ss@host/}. Query parameters named {@code pass} and {@code pw} went
     * through unchanged.
     */
    @Test
    void aPasswordWithAnAtSignAndPassOrPwParametersLoseEveryPartOfTheSecret() {
        assertThat(Redactor.redact("could not open rtsp://admin:p@ss@host/stream")).isEqualTo("could not open rtsp://***@host/stream");
        assertThat(Redactor.redact("rtsp://admin:part@tail@10.0.0.9:554/s and more")).isEqualTo("rtsp://***@10.0.0.9:554/s and more");
        assertThat(Redactor.redact("\"rtsp://u:a@b@c@host\"")).isEqualTo("\"rtsp://***@host\"");
        // an '@' after the path is not user-info
        assertThat(Redactor.redact("http://host/path/a@b")).isEqualTo("http://host/path/a@b");
        assertThat(Redactor.redact("GET http://cam/snap.cgi?user=admin&pass=hunter22 failed"))
                .isEqualTo("GET http://cam/snap.cgi?user=admin&pass=*** failed");
        assertThat(Redactor.redact("http://cam/video?pw=hunter22&x=1")).isEqualTo("http://cam/video?pw=***&x=1");
        assertThat(Redactor.redact("http://cam/v?loginpass=h1&admin_pwd=h2&auth_token=h3&access_key=h4&PASSWORD=h5"))
                .isEqualTo("http://cam/v?loginpass=***&admin_pwd=***&auth_token=***&access_key=***&PASSWORD=***");
    }

    /** The secrets a camera URL holds: its user-info password and secret query values, raw and decoded. */
    @Test
    void aCameraUrlsPasswordAndQuerySecretsAreRegisteredWithTheirDecodedForms() {
        Redactor.registerUrlSecrets("rtsp://admin:Reg%40Pass-77@host/stream");
        Redactor.registerUrlSecrets("http://cam/video.cgi?user=admin&pass=QueryPass-88&pw=Other%2FPw-99");
        assertThat(Redactor.redact("the camera said Reg@Pass-77 and Reg%40Pass-77")).doesNotContain("Pass-77");
        assertThat(Redactor.redact("echo: QueryPass-88 Other/Pw-99 Other%2FPw-99")).doesNotContain("QueryPass-88")
                .doesNotContain("Pw-99");
        assertThat(Redactor.urlPassword("rtsp://admin:p@ss@host/")).isEqualTo("p@ss");
        assertThat(Redactor.urlPassword("rtsp://host/")).isNull();
        assertThat(Redactor.redactUrl("rtsp://admin:p@ss@host/x?pass=a")).isEqualTo("rtsp://***@host/x?pass=***");
    }
}
