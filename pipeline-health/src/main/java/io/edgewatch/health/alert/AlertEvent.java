package io.edgewatch.health.alert;

import java.time.Instant;

/**
 * An alert that started or cleared.
 *
 * @param cameraId the camera
 * @param signal what is watched, such as {@code confidence_slide:person} or {@code latency_creep}
 * @param firing true when the alert starts, false when it clears
 * @param at the end of the window that decided it
 * @param baseline the baseline figure
 * @param current the figure now
 * @param message what a person reads
 */
public record AlertEvent(String cameraId, String signal, boolean firing, Instant at, double baseline, double current,
                         String message) {
}
