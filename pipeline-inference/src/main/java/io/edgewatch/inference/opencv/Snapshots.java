package io.edgewatch.inference.opencv;

import java.util.Locale;
import java.util.Optional;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

import io.edgewatch.core.frame.VideoFrame;
import io.edgewatch.core.inference.Box;
import io.edgewatch.core.inference.InferenceResult;
import io.edgewatch.core.inference.Prediction;
import io.edgewatch.core.pipeline.LastFrame;

/**
 * A camera's snapshot: its last inferred frame as a JPEG, the result's boxes, classes and
 * confidences drawn on it. Encoded when asked, on the asker's thread, from a copy of the kept frame
 * (the pipeline's frame is never drawn on); nothing happens per frame.
 */
public final class Snapshots {

    /** The JPEG quality of a snapshot. */
    public static final int QUALITY = 80;

    private Snapshots() {
    }

    /** The last frame as a JPEG with its result drawn; empty before the first inferred frame. */
    public static Optional<byte[]> jpeg(LastFrame last) {
        return last.read(Snapshots::encode);
    }

    /** {@code frame} as a JPEG with {@code result}'s boxes, classes and confidences drawn on a copy. */
    public static byte[] encode(VideoFrame frame, InferenceResult result) {
        try (Mat copy = frame.pixels().clone()) {
            for (Prediction p : result.predictions()) {
                Box b = p.box();
                if (b == null) {
                    continue;
                }
                int x = (int) Math.round(b.left());
                int y = (int) Math.round(b.top());
                int w = (int) Math.round(b.width());
                int h = (int) Math.round(b.height());
                try (Point a = new Point(x, y); Point c = new Point(x + w, y + h); Scalar green = new Scalar(60, 200, 60, 0);
                     Point text = new Point(Math.max(0, x), Math.max(12, y - 4))) {
                    opencv_imgproc.rectangle(copy, a, c, green, 2, opencv_imgproc.LINE_8, 0);
                    opencv_imgproc.putText(copy, String.format(Locale.ROOT, "%s %.2f", p.className(), p.confidence()), text,
                            opencv_imgproc.FONT_HERSHEY_SIMPLEX, 0.45, green, 1, opencv_imgproc.LINE_AA, false);
                }
            }
            try (BytePointer out = new BytePointer();
                 IntPointer params = new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, QUALITY)) {
                if (!opencv_imgcodecs.imencode(".jpg", copy, out, params)) {
                    throw new IllegalStateException("the JPEG encoder refused a " + frame.width() + "x" + frame.height() + " frame");
                }
                byte[] bytes = new byte[(int) out.limit()];
                out.get(bytes);
                return bytes;
            }
        }
    }
}
