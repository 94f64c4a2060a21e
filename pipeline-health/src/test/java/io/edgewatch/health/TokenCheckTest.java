package io.edgewatch.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The token throttle on its own clock: per address, for the rest of the minute, then it lets the right token in again. */
class TokenCheckTest {

    @Test
    void aThrottledAddressIsLetInAgainAfterTheMinuteAndOthersAreNotThrottled() throws Exception {
        AtomicLong now = new AtomicLong(1_000);
        TokenCheck check = new TokenCheck("the-right-token-16", now::get);
        InetAddress guesser = InetAddress.getByName("192.0.2.1");
        InetAddress operator = InetAddress.getByName("192.0.2.2");
        for (int i = 0; i < TokenCheck.MAX_FAILURES; i++) {
            assertThat(check.check("Bearer wrong", guesser)).isEqualTo(TokenCheck.Verdict.MISSING_OR_WRONG);
        }
        assertThat(check.check("Bearer the-right-token-16", guesser)).isEqualTo(TokenCheck.Verdict.THROTTLED);
        assertThat(check.check("Bearer the-right-token-16", operator)).isEqualTo(TokenCheck.Verdict.OK);
        assertThat(check.check(null, guesser)).isEqualTo(TokenCheck.Verdict.MISSING_OR_WRONG);
        now.addAndGet(TokenCheck.MINUTE_NANOS - 1);
        assertThat(check.check("Bearer the-right-token-16", guesser)).isEqualTo(TokenCheck.Verdict.THROTTLED);
        now.addAndGet(1);
        assertThat(check.check("Bearer the-right-token-16", guesser)).isEqualTo(TokenCheck.Verdict.OK);
        assertThat(check.check("Bearer wrong", guesser)).isEqualTo(TokenCheck.Verdict.MISSING_OR_WRONG);
        assertThat(new TokenCheck(null, now::get).check(null, guesser)).isEqualTo(TokenCheck.Verdict.OK);
    }
}
