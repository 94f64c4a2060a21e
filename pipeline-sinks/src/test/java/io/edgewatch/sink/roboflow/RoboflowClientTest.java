package io.edgewatch.sink.roboflow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RoboflowClientTest {

    @Test
    void retryAfterIsReadAsSecondsOrADate() {
        assertThat(RoboflowClient.retryAfterMillis("2")).isEqualTo(2000);
        assertThat(RoboflowClient.retryAfterMillis(null)).isZero();
        assertThat(RoboflowClient.retryAfterMillis("soon")).isZero();
        assertThat(RoboflowClient.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT")).isZero();
    }
}
