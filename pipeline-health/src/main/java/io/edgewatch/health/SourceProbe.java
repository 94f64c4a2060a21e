package io.edgewatch.health;

import java.util.function.Supplier;

import io.edgewatch.core.source.SourceStatus;

/** What health reads of a camera's source when it asks: whether it is live, and its state now. */
public interface SourceProbe {

    /** True for cameras (RTSP, USB, HTTP, test pattern), which should never stop; false for files. */
    boolean live();

    /** The source's state now; cheap and thread-safe. */
    SourceStatus status();

    /** A probe that reads {@code status} and says {@code live}. */
    static SourceProbe of(boolean live, Supplier<SourceStatus> status) {
        return new SourceProbe() {
            @Override
            public boolean live() {
                return live;
            }

            @Override
            public SourceStatus status() {
                return status.get();
            }
        };
    }
}
