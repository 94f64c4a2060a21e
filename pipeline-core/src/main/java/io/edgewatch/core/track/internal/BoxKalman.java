package io.edgewatch.core.track.internal;

/**
 * ByteTrack's Kalman filter of one box: eight states (centre x, centre y, aspect w/h, height, and
 * their velocities), constant velocity, noise scaled by the box's height (position 1/20 of it,
 * velocity 1/160 of it per frame, as ByteTrack's {@code KalmanFilter}), with one difference: time
 * is in seconds, not frames, because cameras run at 1–30 fps and drop frames. Velocities are per
 * second, and the noise ByteTrack adds per frame is ByteTrack's frame at 30 fps, scaled by the
 * time that passed (variance grows linearly with time, as a random walk's does), so at 30 fps
 * this is ByteTrack's filter exactly.
 *
 * <p>Because the transition only couples each quantity with its own velocity, and the initial,
 * process and measurement covariances are diagonal, the 8×8 covariance stays block diagonal: four
 * independent 2×2 blocks (quantity, velocity). Only those blocks are kept (12 numbers rather than
 * 64), and the 4×4 innovation covariance is diagonal, so its inverse is four divisions. A dense
 * 8×8 filter gives the same numbers ({@code BoxKalmanTest}). No native memory, no allocation per
 * step.
 */
public final class BoxKalman {

    /** ByteTrack's frame: its noise is per frame of a 30 fps camera. */
    static final double REFERENCE_SECONDS = 1.0 / 30.0;
    static final double STD_POSITION = 1.0 / 20.0;
    static final double STD_VELOCITY = 1.0 / 160.0;

    /** cx, cy, aspect, height, then their velocities per second. */
    final double[] mean = new double[8];
    /** Per quantity i (0..3): var(x_i), cov(x_i, v_i), var(v_i). */
    final double[] pp = new double[4];
    final double[] pv = new double[4];
    final double[] vv = new double[4];

    /** A filter that starts at the measured box (centre, size), at rest with a wide velocity spread. */
    public BoxKalman(double cx, double cy, double width, double height) {
        double h = Math.max(height, 1e-6);
        mean[0] = cx;
        mean[1] = cy;
        mean[2] = width / h;
        mean[3] = h;
        double[] pos = {2 * STD_POSITION * h, 2 * STD_POSITION * h, 1e-2, 2 * STD_POSITION * h};
        double[] vel = {10 * STD_VELOCITY * h, 10 * STD_VELOCITY * h, 1e-5, 10 * STD_VELOCITY * h};
        for (int i = 0; i < 4; i++) {
            pp[i] = pos[i] * pos[i];
            pv[i] = 0;
            double sv = vel[i] / REFERENCE_SECONDS;
            vv[i] = sv * sv;
        }
    }

    /** Moves the state {@code dt} seconds on (nothing when {@code dt <= 0}). */
    public void predict(double dt) {
        if (!(dt > 0)) {
            return;
        }
        double h = mean[3];
        double k = dt / REFERENCE_SECONDS;
        double qPos = STD_POSITION * h;
        double qVel = STD_VELOCITY * h / REFERENCE_SECONDS;
        for (int i = 0; i < 4; i++) {
            double sp = i == 2 ? 1e-2 : qPos;
            double sv = i == 2 ? 1e-5 / REFERENCE_SECONDS : qVel;
            mean[i] += dt * mean[i + 4];
            double p = pp[i];
            double c = pv[i];
            double w = vv[i];
            pp[i] = p + 2 * dt * c + dt * dt * w + sp * sp * k;
            pv[i] = c + dt * w;
            vv[i] = w + sv * sv * k;
        }
    }

    /** Corrects the state with a measured box (centre, size). */
    public void update(double cx, double cy, double width, double height) {
        double h = mean[3];
        double r = STD_POSITION * h;
        double aspect = width / Math.max(height, 1e-6);
        for (int i = 0; i < 4; i++) {
            double z = i == 0 ? cx : i == 1 ? cy : i == 2 ? aspect : height;
            double sr = i == 2 ? 1e-1 : r;
            double s = pp[i] + sr * sr;
            double kp = pp[i] / s;
            double kv = pv[i] / s;
            double y = z - mean[i];
            mean[i] += kp * y;
            mean[i + 4] += kv * y;
            double p = pp[i];
            double c = pv[i];
            pp[i] = p - kp * p;
            pv[i] = c - kp * c;
            vv[i] = vv[i] - kv * c;
        }
    }

    /**
     * The squared Mahalanobis distance of a measured box's centre and height from the prediction (three degrees
     * of freedom: aspect is left out, as a detector's boxes change shape more than they move).
     */
    public double distance(double cx, double cy, double height) {
        double r = STD_POSITION * mean[3];
        double r2 = r * r;
        double dx = cx - mean[0];
        double dy = cy - mean[1];
        double dh = height - mean[3];
        return dx * dx / (pp[0] + r2) + dy * dy / (pp[1] + r2) + dh * dh / (pp[3] + r2);
    }

    /** Stops the height's change (ByteTrack does so for a track it did not see in the last frame). */
    public void holdHeight() {
        mean[7] = 0;
    }

    public double centerX() {
        return mean[0];
    }

    public double centerY() {
        return mean[1];
    }

    public double height() {
        return Math.max(mean[3], 1e-6);
    }

    public double width() {
        return Math.max(mean[2], 0) * height();
    }

    /** The state: cx, cy, aspect, height and their velocities per second (a copy). */
    public double[] state() {
        return mean.clone();
    }

    /** The full 8×8 covariance, rebuilt from its blocks (for tests). */
    public double[][] covariance() {
        double[][] p = new double[8][8];
        for (int i = 0; i < 4; i++) {
            p[i][i] = pp[i];
            p[i][i + 4] = pv[i];
            p[i + 4][i] = pv[i];
            p[i + 4][i + 4] = vv[i];
        }
        return p;
    }
}
