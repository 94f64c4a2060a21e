package io.edgewatch.core.sample;

import java.util.Set;

/** What a camera's health knows that two strategies ask about; read once per inferred frame, so cheap. */
public interface CameraSignals {

    /** Knows nothing: no alert fires, no baseline is learnt. */
    CameraSignals NONE = new CameraSignals() {
        @Override
        public boolean alertFiring() {
            return false;
        }

        @Override
        public Set<String> baselineClasses() {
            return null;
        }
    };

    /** Whether a drift or latency alert of the camera fires now. */
    boolean alertFiring();

    /** The classes of the camera's learnt baseline; null while none is learnt. */
    Set<String> baselineClasses();
}
