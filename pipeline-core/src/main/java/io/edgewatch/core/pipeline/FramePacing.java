package io.edgewatch.core.pipeline;

import java.util.function.Function;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.frame.VideoFrame;
import reactor.core.publisher.Flux;

/**
 * Turns frames into {@link FrameEvent}s, keeping at most {@code maxFps} frames a second of the
 * stream's own time (its presentation timestamps; capture time when a source has none). A frame
 * above the rate is released at once and emitted as {@link FrameEvent.Dropped} with reason
 * {@link FrameEvent.DropReason#RATE_LIMIT}, so it is still counted. With no limit every frame
 * passes. Frames discarded downstream (on cancel) are released.
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
        long intervalMicros = Math.round(1_000_000.0 / maxFps);
        // a frame may come this much early and still be kept: keeps 10 fps at max_fps 10 despite rounding
        long toleranceMicros = intervalMicros / 20;
        return frames -> Flux.defer(() -> {
            // per subscription: time of the last kept frame, and when the next one is due
            long[] state = {Long.MIN_VALUE, 0};
            return frames.<FrameEvent>map(frame -> {
                long t = frame.mediaTimestampMicros() >= 0 ? frame.mediaTimestampMicros()
                        : frame.capturedNanos() / 1000;
                long lastKept = state[0];
                long nextDue = state[1];
                // the first frame, time going backwards (a looped file) or a gap restart the schedule
                boolean restart = lastKept == Long.MIN_VALUE || t < lastKept || t >= nextDue + intervalMicros;
                if (restart || t + toleranceMicros >= nextDue) {
                    state[0] = t;
                    state[1] = restart ? t + intervalMicros : nextDue + intervalMicros;
                    return new FrameEvent.Captured(frame);
                }
                frame.release();
                return new FrameEvent.Dropped(frame.sequence(), FrameEvent.DropReason.RATE_LIMIT);
            }).doOnDiscard(VideoFrame.class, VideoFrame::release);
        });
    }
}
