package io.edgewatch.core.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.function.Function;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.source.FrameGate;
import reactor.core.publisher.Flux;

/**
 * Turns frames into {@link FrameEvent}s, keeping at most {@code maxFps} frames a second of the
 * stream's own time (its presentation timestamps; capture time when a source has none). A frame
 * above the rate is released at once and emitted as {@link FrameEvent.Dropped} with reason
 * {@link FrameEvent.DropReason#RATE_LIMIT}, so it is still counted. With no limit every frame
 * passes. Frames discarded downstream (on cancel) are released.
 *
 * <p>The decision is a {@link FrameGate} ({@link #gate}) that a camera's pipeline hands to its source,
 * so a frame above the rate is never converted to BGR nor copied (on a 25 fps camera at
 * {@code max_fps: 5}, four frames in five); {@link #gated()} then turns the source's skipped frames
 * into drops. {@link #maxFps} does both after the fact, for sources that cannot ask early.
 */
public final class FramePacing {

    private FramePacing() {
    }

    /** Every frame passes. */
    public static Function<Flux<VideoFrame>, Flux<FrameEvent>> lossless() {
        return frames -> frames.<FrameEvent>map(FrameEvent.Captured::new)
                .doOnDiscard(VideoFrame.class, VideoFrame::release);
    }

    /** At most {@code maxFps} frames per second of stream time; {@code maxFps <= 0} means no limit. */
    public static Function<Flux<VideoFrame>, Flux<FrameEvent>> maxFps(double maxFps) {
        if (!(maxFps > 0)) {
            return lossless();
        }
        return frames -> Flux.defer(() -> {
            FrameGate gate = gate(maxFps);
            return frames.map(f -> f.isSkipped() || gate.keep(f.mediaTimestampMicros(), f.capturedNanos()) ? f : f.skip())
                    .transform(gated());
        });
    }

    /**
     * A new gate keeping at most {@code maxFps} frames per second of stream time (its presentation
     * timestamps; capture time when a source has none), for one subscription; {@link FrameGate#ALL}
     * for {@code maxFps <= 0}. Give it to {@link io.edgewatch.core.source.FrameSource#frames(FrameGate)}
     * so that frames above the rate are never converted, then {@link #gated()}.
     */
    public static FrameGate gate(double maxFps) {
        if (!(maxFps > 0)) {
            return FrameGate.ALL;
        }
        long intervalMicros = Math.round(1_000_000.0 / maxFps);
        // a frame may come this much early and still be kept: keeps 10 fps at max_fps 10 despite rounding
        long toleranceMicros = intervalMicros / 20;
        // time of the last kept frame, and when the next one is due
        long[] state = {Long.MIN_VALUE, 0};
        return (mediaTimestampMicros, capturedNanos) -> {
            long t = mediaTimestampMicros >= 0 ? mediaTimestampMicros : capturedNanos / 1000;
            long lastKept = state[0];
            long nextDue = state[1];
            // the first frame, time going backwards (a looped file) or a gap restart the schedule
            boolean restart = lastKept == Long.MIN_VALUE || t < lastKept || t >= nextDue + intervalMicros;
            if (restart || t + toleranceMicros >= nextDue) {
                state[0] = t;
                state[1] = restart ? t + intervalMicros : nextDue + intervalMicros;
                return true;
            }
            return false;
        };
    }

    /**
     * Frames of a gated source as events: a {@linkplain VideoFrame#isSkipped() skipped} frame is
     * {@link FrameEvent.Dropped} with reason {@link FrameEvent.DropReason#RATE_LIMIT}, every other
     * one passes.
     */
    public static Function<Flux<VideoFrame>, Flux<FrameEvent>> gated() {
        return frames -> frames.<FrameEvent>map(frame -> frame.isSkipped()
                        ? new FrameEvent.Dropped(frame.sequence(), FrameEvent.DropReason.RATE_LIMIT)
                        : new FrameEvent.Captured(frame))
                .doOnDiscard(VideoFrame.class, VideoFrame::release);
    }

    /**
     * Latest frame wins, for live sources: the source is never held back; while downstream has no
     * demand only the newest event is kept, and every frame it replaces is released at once and
     * recorded in {@code missed} as {@link FrameEvent.Dropped} with reason
     * {@link FrameEvent.DropReason#INFERENCE_BUSY} (drops of other reasons are recorded as they
     * were). Nothing queues here, so apply it right before inference, with no prefetching operator in
     * between, and put the drops back into the stream with {@link #reinsert} after inference.
     */
    public static Function<Flux<FrameEvent>, Flux<FrameEvent>> latestWins(Queue<FrameEvent.Dropped> missed) {
        return events -> events
                .onBackpressureLatest()
                .doOnDiscard(FrameEvent.class, e -> {
                    if (e instanceof FrameEvent.Captured c) {
                        // a frame discarded here is held by nobody else; other discard hooks may release it too
                        c.frame().release();
                        missed.add(new FrameEvent.Dropped(c.sequence(), FrameEvent.DropReason.INFERENCE_BUSY));
                    } else if (e instanceof FrameEvent.Dropped d) {
                        missed.add(d);
                    }
                });
    }

    /** Emits the drops recorded in {@code missed} before each event, and the last ones at completion. */
    public static Function<Flux<FrameEvent>, Flux<FrameEvent>> reinsert(Queue<FrameEvent.Dropped> missed) {
        return events -> events
                .concatMapIterable(e -> {
                    List<FrameEvent> out = new ArrayList<>(missed.size() + 1);
                    drain(missed, out);
                    out.add(e);
                    return out;
                })
                .concatWith(Flux.defer(() -> {
                    List<FrameEvent> rest = new ArrayList<>();
                    drain(missed, rest);
                    return Flux.fromIterable(rest);
                }));
    }

    private static void drain(Queue<FrameEvent.Dropped> missed, List<FrameEvent> out) {
        FrameEvent.Dropped d;
        while ((d = missed.poll()) != null) {
            out.add(d);
        }
    }
}
