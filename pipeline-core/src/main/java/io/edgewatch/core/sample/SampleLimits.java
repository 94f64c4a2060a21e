package io.edgewatch.core.sample;

/**
 * Credits: at most so many samples per UTC minute, hour and day ({@link #NONE} for no bound).
 */
public record SampleLimits(int perMinute, int perHour, int perDay) {

    /** No bound. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;
    /** No limit at all. */
    public static final SampleLimits NONE = new SampleLimits(UNBOUNDED, UNBOUNDED, UNBOUNDED);

    public SampleLimits {
        if (perMinute < 0 || perHour < 0 || perDay < 0) {
            throw new IllegalArgumentException("limits are never negative: " + perMinute + "/" + perHour + "/" + perDay);
        }
    }
}
