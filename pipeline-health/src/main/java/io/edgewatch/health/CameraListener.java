package io.edgewatch.health;

import io.edgewatch.core.aggregate.WindowReport;

/**
 * What a camera tells health, from {@link Health#camera}: each window's report as it closes, and
 * that it stopped for good. Both are cheap (a window's figures, never a frame's) and may be called
 * from any thread; windows of one camera arrive in order.
 */
public interface CameraListener {

    /** A window closed; alerts it starts or clears are published before this returns. */
    void window(WindowReport report);

    /** Where the camera's model runs ({@code cpu}, {@code cuda}, {@code tensorrt}), once its detector is made; null: unknown. */
    default void executionProvider(String provider) {
    }

        /** Where the camera's run counts the window reports it dropped because its sinks stayed behind. */
    default void reportsDropped(java.util.function.LongSupplier dropped) {
    }

        /** The camera stopped for good (it could not start, or its pipeline ended with an error), with why. */
    void stopped(String why);
}
