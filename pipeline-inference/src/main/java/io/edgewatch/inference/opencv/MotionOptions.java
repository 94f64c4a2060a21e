package io.edgewatch.inference.opencv;

/**
 * Motion from OpenCV's MOG2 background subtraction.
 *
 * @param history frames the background model remembers (OpenCV's default 500)
 * @param varThreshold squared distance from the model that counts as foreground (OpenCV's default 16)
 * @param minArea smallest moving region reported, in pixels of the frame
 * @param warmupFrames frames learnt before anything is reported (the first frames are all "new")
 */
public record MotionOptions(int history, double varThreshold, int minArea, int warmupFrames) {

    public static final MotionOptions DEFAULTS = new MotionOptions(500, 16, 400, 5);
}
