package io.edgewatch.core.secret;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretTest {

    record Holder(String name, Secret key) {
    }

    @Test
    void aSecretNeverPrintsItselfNotEvenInsideARecordAndIsMaskedWhereverElseItAppears() {
        Secret s = Secret.of("Secret-Type-Value-123");
        assertThat(s.toString()).isEqualTo("***");
        assertThat(new Holder("roboflow", s).toString()).isEqualTo("Holder[name=roboflow, key=***]");
        assertThat(String.valueOf(s) + " " + s).doesNotContain("Secret-Type-Value-123");
        assertThat(s.reveal()).isEqualTo("Secret-Type-Value-123");
        // made once, masked everywhere from then on
        assertThat(Redactor.redact("the server echoed Secret-Type-Value-123 back")).isEqualTo("the server echoed Se***23 back");
    }

    @Test
    void noneIsEmptyAndComparisonIsByValue() {
        assertThat(Secret.of(null)).isSameAs(Secret.none());
        assertThat(Secret.of("")).isSameAs(Secret.none());
        assertThat(Secret.none().isEmpty()).isTrue();
        assertThat(Secret.none().toString()).isEqualTo("(none)");
        assertThat(Secret.of("abcdef")).isEqualTo(Secret.of("abcdef")).isNotEqualTo(Secret.of("abcdeg"));
        assertThat(Secret.of("abcdef").matches("abcdef")).isTrue();
        assertThat(Secret.of("abcdef").matches("abcde")).isFalse();
        assertThat(Secret.of("abcdef").matches(null)).isFalse();
    }
}
