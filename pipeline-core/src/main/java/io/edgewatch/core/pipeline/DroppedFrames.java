package io.edgewatch.core.pipeline;

import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

/**
 * Releases the frames Reactor drops. A source grabbing on a thread of its own may emit the frame
 * it was grabbing when the camera stopped after the stop ({@code Flux.generate} does not check for
 * a cancel before {@code next}); an operator that has already terminated hands such a late
 * {@code onNext} to {@code Operators.onNextDropped}, which runs no discard hook, so the frame's
 * pixels were freed only by the garbage collector (6 MB at 1080p, one per stop). This stage
 * installs a subscriber-context-local {@code onNextDropped} hook on everything upstream of it
 * that releases a dropped {@link VideoFrame} or {@link FrameEvent.Captured}; other dropped values
 * are logged at debug level, as Reactor does when no hook is set. Apply it last, so the whole
 * pipeline (the source included) sees it. The hook is local to the subscription: no global
 * {@code Hooks} state, nothing shared with other cameras or with other code in the process.
 *
 * <p>A dropped frame reached nobody downstream, so the one reference released here is the
 * creator's: it cannot take a reference that a reader (an inference worker, a snapshot) holds.
 */
public final class DroppedFrames {

    /**
     * Reactor's context key for a subscription-local {@code onNextDropped} hook (a
     * {@code Consumer<Object>}), read by {@code Operators.onNextDropped} in place of the global
     * {@code Hooks.onNextDropped}. reactor-core names it {@code Hooks.KEY_ON_NEXT_DROPPED}
     * (package-private) and has no public setter, unlike {@code Operators.enableOnDiscard}.
     */
    static final String ON_NEXT_DROPPED = "reactor.onNextDropped.local";

    private static final Logger log = LoggerFactory.getLogger(DroppedFrames.class);

    private static final Consumer<Object> RELEASE = dropped -> {
        if (dropped instanceof VideoFrame f) {
            f.release();
        } else if (dropped instanceof FrameEvent.Captured c) {
            c.frame().release();
        } else {
            log.debug("onNextDropped: {}", dropped);
        }
    };

    private DroppedFrames() {
    }

    /** The stage that releases frames dropped anywhere upstream, to apply with {@link Flux#transform}. */
    public static <T> Function<Flux<T>, Flux<T>> released() {
        return flux -> flux.contextWrite(DroppedFrames::releasing);
    }

    /** {@code context} with the hook; a hook already there (set downstream) still sees what is not a frame. */
    static Context releasing(Context context) {
        Object existing = context.getOrDefault(ON_NEXT_DROPPED, null);
        if (existing instanceof Consumer<?> c) {
            @SuppressWarnings("unchecked")
            Consumer<Object> downstream = (Consumer<Object>) c;
            return context.put(ON_NEXT_DROPPED, (Consumer<Object>) dropped -> {
                if (dropped instanceof VideoFrame || dropped instanceof FrameEvent.Captured) {
                    RELEASE.accept(dropped);
                } else {
                    downstream.accept(dropped);
                }
            });
        }
        return context.put(ON_NEXT_DROPPED, RELEASE);
    }
}
