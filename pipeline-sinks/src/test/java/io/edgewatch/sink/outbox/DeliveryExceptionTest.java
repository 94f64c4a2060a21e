package io.edgewatch.sink.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeliveryExceptionTest {

    @Test
    void retryAfterIsReadAsSecondsOrADate() {
        assertThat(DeliveryException.retryAfterMillis("2")).isEqualTo(2000);
        assertThat(DeliveryException.retryAfterMillis(null)).isZero();
        assertThat(DeliveryException.retryAfterMillis("soon")).isZero();
        assertThat(DeliveryException.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT")).isZero();
    }
}
