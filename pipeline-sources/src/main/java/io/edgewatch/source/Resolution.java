package io.edgewatch.source;

import java.util.Locale;

/**
 * A frame size; as {@code source.max_resolution}, the largest frame a camera may hand on: larger
 * frames are scaled down by FFmpeg (keeping their aspect) before they reach the frame pool, so one
 * camera cannot take the box's memory.
 */
public record Resolution(int width, int height) {

    /** {@code source.max_resolution} when not set: 4K UHD. */
    public static final Resolution DEFAULT_MAX = new Resolution(3840, 2160);

    public Resolution {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("a resolution must be at least 1x1: " + width + "x" + height);
        }
    }

    /** The size a {@code w}x{@code h} frame is scaled to so that it fits within this one, aspect kept (even sizes). */
    public Resolution fit(int w, int h) {
        if (w <= width && h <= height) {
            return new Resolution(w, h);
        }
        double scale = Math.min((double) width / w, (double) height / h);
        int sw = Math.max(2, (int) Math.floor(w * scale) & ~1);
        int sh = Math.max(2, (int) Math.floor(h * scale) & ~1);
        return new Resolution(sw, sh);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%dx%d", width, height);
    }
}
