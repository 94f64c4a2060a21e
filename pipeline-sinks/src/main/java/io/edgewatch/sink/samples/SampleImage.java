package io.edgewatch.sink.samples;

/**
 * How a sample's frame is encoded: JPEG at {@code quality}, made smaller (keeping its shape) when
 * it is wider than {@code maxWidth} or taller than {@code maxHeight}.
 */
public record SampleImage(int quality, int maxWidth, int maxHeight) {

    /** The reference's defaults (its dataset-upload block v2): quality 95, at most 1920x1080. */
    public static final SampleImage DEFAULTS = new SampleImage(95, 1920, 1080);

    public SampleImage {
        if (quality < 1 || quality > 100 || maxWidth < 16 || maxHeight < 16) {
            throw new IllegalArgumentException("JPEG quality 1..100 and sizes of at least 16 pixels: " + quality + ", "
                    + maxWidth + "x" + maxHeight);
        }
    }
}
