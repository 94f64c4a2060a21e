package io.edgewatch.core.secret;

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
}
