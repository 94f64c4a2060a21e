package io.edgewatch.testkit.mot;

import java.util.Locale;

/**
 * One line of a MOTChallenge file (TrackEval's format): {@code frame,id,bb_left,bb_top,bb_width,bb_height,conf,x,y,z},
 * frames from 1. In ground truth the 7th column is the "consider" flag: a row with 0 is neither to be found nor a
 * false positive when found (an object hidden too much to ask a detector for), as MOT17's zero-marked rows.
 *
 * @param consider false for a ground-truth row that is not evaluated
 * @param className not part of the file; what the generator made (the tracker's output carries its own)
 */
public record MotRow(int frame, long id, double left, double top, double width, double height, boolean consider,
                     String className) {

    /** A tracker's row. */
    public static MotRow of(int frame, long id, double left, double top, double width, double height) {
        return new MotRow(frame, id, left, top, width, height, true, "");
    }

    /** The MOTChallenge line (2D: x, y, z are -1). */
    public String line() {
        return String.format(Locale.ROOT, "%d,%d,%.2f,%.2f,%.2f,%.2f,%d,-1,-1,-1", frame, id, left, top, width, height,
                consider ? 1 : 0);
    }

    /** Parses a MOTChallenge line (its class is unknown: ""). */
    public static MotRow parse(String line) {
        String[] f = line.split(",");
        return new MotRow(Integer.parseInt(f[0].trim()), Long.parseLong(f[1].trim()), Double.parseDouble(f[2]),
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                f.length < 7 || Double.parseDouble(f[6]) != 0, "");
    }

    public double right() {
        return left + width;
    }

    public double bottom() {
        return top + height;
    }

    /** Intersection over union with another row's box. */
    public double iou(MotRow o) {
        double iw = Math.min(right(), o.right()) - Math.max(left, o.left);
        double ih = Math.min(bottom(), o.bottom()) - Math.max(top, o.top);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        return inter / (width * height + o.width * o.height - inter);
    }
}
