package io.edgewatch.core.aggregate.internal;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import io.edgewatch.core.event.FrameEvent;
import io.edgewatch.core.inference.InferenceException;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.Prediction;

/**
 * One frame reduced to what a window needs of it: for an inferred frame, one tally per class (the
 * best prediction and running statistics), whatever the number of boxes. This is what gets
 * buffered, so buffered memory grows with classes, not with boxes.
 */
public final class FrameSummary {

    final Kind kind;
    final String modelId;
    final String modelType;
    final Map<String, ClassTally> classes;
    final long inferenceMicros;
    final long callMicros;
    final long endToEndMicros;
    /** -1 when unknown. */
    final long decodeMicros;
    /** -1 when unknown. */
    final long waitMicros;
    final FrameEvent.DropReason dropReason;
    final InferenceException.Kind errorKind;

    enum Kind { INFERRED, DROPPED, FAILED, UNINFERRED }

    private FrameSummary(Kind kind, String modelId, String modelType, Map<String, ClassTally> classes,
                         long inferenceMicros, long callMicros, long endToEndMicros, long decodeMicros, long waitMicros,
                         FrameEvent.DropReason dropReason, InferenceException.Kind errorKind) {
        this.kind = kind;
        this.modelId = modelId;
        this.modelType = modelType;
        this.classes = classes;
        this.inferenceMicros = inferenceMicros;
        this.callMicros = callMicros;
        this.endToEndMicros = endToEndMicros;
        this.decodeMicros = decodeMicros;
        this.waitMicros = waitMicros;
        this.dropReason = dropReason;
        this.errorKind = errorKind;
    }

    /**
     * Reduces one event. A {@link FrameEvent.Captured} that reaches the aggregator was never
     * inferred: it is counted as seen and its pixels are released.
     */
    public static FrameSummary of(FrameEvent event) {
        if (event instanceof FrameEvent.Inferred inferred) {
            return ofResult(inferred.result(), micros(inferred.decodeNanos()), micros(inferred.waitNanos()));
        }
        if (event instanceof FrameEvent.Dropped dropped) {
            return new FrameSummary(Kind.DROPPED, null, null, Map.of(), 0, 0, 0, -1, -1, dropped.reason(), null);
        }
        if (event instanceof FrameEvent.Failed failed) {
            return new FrameSummary(Kind.FAILED, null, null, Map.of(), 0, 0, 0, -1, -1, null, failed.kind());
        }
        ((FrameEvent.Captured) event).frame().release();
        return new FrameSummary(Kind.UNINFERRED, null, null, Map.of(), 0, 0, 0, -1, -1, null, null);
    }

    private static long micros(long nanos) {
        return nanos < 0 ? -1 : nanos / 1000;
    }

    private static FrameSummary ofResult(InferenceResult r, long decodeMicros, long waitMicros) {
        long callMicros = Math.max(0, r.callTime().toNanos() / 1000);
        Map<String, ClassTally> classes = new LinkedHashMap<>();
        for (Prediction p : r.predictions()) {
            ClassTally t = classes.get(p.className());
            if (t == null) {
                classes.put(p.className(), new ClassTally(p.className(), p.confidence(), r.inferenceId(), callMicros));
            } else {
                t.addSameFrame(p.confidence(), r.inferenceId());
            }
        }
        return new FrameSummary(Kind.INFERRED, r.modelId(), r.modelType().wireName(), classes,
                Math.max(0, r.inferenceTime().toNanos() / 1000), callMicros,
                Math.max(0, r.endToEnd().toNanos() / 1000), decodeMicros, waitMicros, null, null);
    }

    /** The classes this frame's predictions reduced to. */
    public int classCount() {
        return classes.size();
    }

    Collection<ClassTally> tallies() {
        return classes.values();
    }
}
