package io.edgewatch.core.track;

/** A point of a zone or line: in frame pixels, or in 0..1 of the frame (see the option's {@code relative}). */
public record Point(double x, double y) {
}
