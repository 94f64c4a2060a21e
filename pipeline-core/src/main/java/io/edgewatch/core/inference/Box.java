package io.edgewatch.core.inference;

/**
 * An axis-aligned box in frame pixels, as Roboflow describes it: {@code x}, {@code y} are the
 * centre, {@code width} and {@code height} the size.
 */
public record Box(double x, double y, double width, double height) {

    /** The box whose top-left corner is ({@code left}, {@code top}). */
    public static Box fromCorner(double left, double top, double width, double height) {
        return new Box(left + width / 2.0, top + height / 2.0, width, height);
    }

    public double left() {
        return x - width / 2.0;
    }

    public double top() {
        return y - height / 2.0;
    }
}
