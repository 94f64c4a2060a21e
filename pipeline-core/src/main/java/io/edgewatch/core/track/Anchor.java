package io.edgewatch.core.track;

import java.util.Locale;

import io.edgewatch.core.inference.Box;

/** The point of a box that says where an object is, for zones and lines (configuration names: {@code bottom_center}, ...). */
public enum Anchor {
    BOTTOM_CENTER(0.5, 1), CENTER(0.5, 0.5), TOP_CENTER(0.5, 0), BOTTOM_LEFT(0, 1), BOTTOM_RIGHT(1, 1),
    TOP_LEFT(0, 0), TOP_RIGHT(1, 0), CENTER_LEFT(0, 0.5), CENTER_RIGHT(1, 0.5);

    private final double fx;
    private final double fy;

    Anchor(double fx, double fy) {
        this.fx = fx;
        this.fy = fy;
    }

    public double x(Box b) {
        return b.left() + fx * b.width();
    }

    public double y(Box b) {
        return b.top() + fy * b.height();
    }

    /** The configuration name: {@code bottom_center}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The anchor of a configuration name, or null. */
    public static Anchor ofLabel(String label) {
        for (Anchor a : values()) {
            if (a.label().equals(label)) {
                return a;
            }
        }
        return null;
    }
}
