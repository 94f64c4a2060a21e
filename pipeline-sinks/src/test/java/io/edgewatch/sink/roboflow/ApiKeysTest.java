package io.edgewatch.sink.roboflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void masksTheReferenceWay() {
        assertThat(ApiKeys.mask("abcdefghyz")).isEqualTo("ab***yz");
        assertThat(ApiKeys.mask("1234567")).isEqualTo("***");
        assertThat(ApiKeys.mask(null)).isEqualTo("***");
    }

    @Test
    void redactsKeysInUrlsAndAnywhereElse() {
        String key = "secretKEY123";
        assertThat(ApiKeys.redact("POST https://api.roboflow.com/ws/inference-stats?api_key=secretKEY123&nocache=true failed", key))
                .isEqualTo("POST https://api.roboflow.com/ws/inference-stats?api_key=se***23&nocache=true failed");
        assertThat(ApiKeys.redact("bearer secretKEY123", key)).isEqualTo("bearer se***23");
        assertThat(ApiKeys.redact("https://x/?api_key=short", null)).isEqualTo("https://x/?api_key=***");
    }

    @Test
    void cachesAreKeyedByTheMd5OfTheKey() {
        assertThat(ApiKeys.md5("abc")).isEqualTo("900150983cd24fb0d6963f7d28e17f72");
    }

    @Test
    void retryAfterIsReadAsSecondsOrADate() {
        assertThat(RoboflowClient.retryAfterMillis("2")).isEqualTo(2000);
        assertThat(RoboflowClient.retryAfterMillis(null)).isZero();
        assertThat(RoboflowClient.retryAfterMillis("soon")).isZero();
        assertThat(RoboflowClient.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT")).isZero();
    }
}
