package io.edgewatch.health;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.edgewatch.core.source.SourceStatus;

/** What health reads of a camera's source when it asks: whether it is live, and its state now. */
public interface SourceProbe {

    /** True for cameras (RTSP, USB, HTTP, test pattern), which should never stop; false for files. */
    boolean live();

    /** The source's state now; cheap and thread-safe. */
    SourceStatus status();

    /** The video decoder the source opened last ({@code h264}, {@code h264_cuvid}); null when unknown. */
    default String decoder() {
        return null;
    }

    /** Connections that fell back to software from the hardware decoder asked for. */
    default long decoderFallbacks() {
        return 0;
    }

    /** A probe that reads {@code status} and says {@code live}. */
    static SourceProbe of(boolean live, Supplier<SourceStatus> status) {
        return of(live, status, () -> null, () -> 0);
    }

    /** As above, with the source's decoder and its fallbacks. */
    static SourceProbe of(boolean live, Supplier<SourceStatus> status, Supplier<String> decoder, LongSupplier fallbacks) {
        return new SourceProbe() {
            @Override
            public String decoder() {
                return decoder.get();
            }

            @Override
            public long decoderFallbacks() {
                return fallbacks.getAsLong();
            }

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
