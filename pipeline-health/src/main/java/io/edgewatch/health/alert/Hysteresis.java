package io.edgewatch.health.alert;

import java.time.Duration;
import java.time.Instant;

/**
 * One signal's firing state, without flapping: it starts firing once its condition has held for
 * {@code fireAfter} and clears once the condition has been gone for {@code clearAfter}. Time is
 * whatever the caller says it is (windows' ends, or the clock). Not thread-safe.
 */
public final class Hysteresis {

    /** What a step changed. */
    public enum Change { NONE, FIRED, CLEARED }

    private Instant trueSince;
    private Instant falseSince;
    private boolean firing;

    /** Takes the condition as it is at {@code at}; says whether that started or cleared the alert. */
    public Change step(boolean holds, Instant at, Duration fireAfter, Duration clearAfter) {
        if (holds) {
            falseSince = null;
            if (trueSince == null) {
                trueSince = at;
            }
            if (!firing && !Duration.between(trueSince, at).minus(fireAfter).isNegative()) {
                firing = true;
                return Change.FIRED;
            }
        } else {
            trueSince = null;
            if (falseSince == null) {
                falseSince = at;
            }
            if (firing && !Duration.between(falseSince, at).minus(clearAfter).isNegative()) {
                firing = false;
                return Change.CLEARED;
            }
        }
        return Change.NONE;
    }

    /** Firing since {@code since}, as it was before a restart. */
    public void restore(Instant since) {
        firing = true;
        trueSince = since;
        falseSince = null;
    }

    public boolean firing() {
        return firing;
    }
}
