package io.edgewatch.core.testing;

import java.time.Instant;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

import io.edgewatch.core.frame.VideoFrame;

/** Frames for tests. */
public final class Frames {

    private Frames() {
    }

    /** A 64x48 black BGR frame of camera {@code cam-1}, at 25 fps stream time. */
    public static VideoFrame black(long seq) {
        return new VideoFrame("cam-1", seq, System.nanoTime(), Instant.now(), seq * 40_000,
                new Mat(48, 64, opencv_core.CV_8UC3, Scalar.all(0)));
    }
}
