package io.edgewatch.core.track.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import org.junit.jupiter.api.Test;

class BoxKalmanTest {

    /** ByteTrack's filter written the long way: dense 8×8 matrices, a general 4×4 inverse, time in seconds. */
    private static final class DenseKalman {
        double[] x = new double[8];
        double[][] p = new double[8][8];

        DenseKalman(double cx, double cy, double w, double h) {
            x[0] = cx;
            x[1] = cy;
            x[2] = w / h;
            x[3] = h;
            double[] std = {2 * h / 20, 2 * h / 20, 1e-2, 2 * h / 20,
                    30 * 10 * h / 160, 30 * 10 * h / 160, 30 * 1e-5, 30 * 10 * h / 160};
            for (int i = 0; i < 8; i++) {
                p[i][i] = std[i] * std[i];
            }
        }

        void predict(double dt) {
            double h = x[3];
            double k = dt * 30;
            double[] std = {h / 20, h / 20, 1e-2, h / 20, 30 * h / 160, 30 * h / 160, 30 * 1e-5, 30 * h / 160};
            double[][] f = identity(8);
            for (int i = 0; i < 4; i++) {
                f[i][i + 4] = dt;
            }
            x = mul(f, x);
            p = add(mul(mul(f, p), transpose(f)), diag(std, k));
        }

        void update(double cx, double cy, double w, double h) {
            double hh = x[3];
            double[] r = {hh / 20, hh / 20, 1e-1, hh / 20};
            double[][] hm = new double[4][8];
            for (int i = 0; i < 4; i++) {
                hm[i][i] = 1;
            }
            double[][] s = add(mul(mul(hm, p), transpose(hm)), diag(r, 1));
            double[][] gain = mul(mul(p, transpose(hm)), inverse(s));
            double[] z = {cx, cy, w / h, h};
            double[] hx = mul(hm, x);
            double[] y = new double[4];
            for (int i = 0; i < 4; i++) {
                y[i] = z[i] - hx[i];
            }
            double[] dx = mul(gain, y);
            for (int i = 0; i < 8; i++) {
                x[i] += dx[i];
            }
            double[][] ikh = add(identity(8), scale(mul(gain, hm), -1));
            p = mul(ikh, p);
        }
    }

    @Test
    void givesTheNumbersOfTheDenseEightStateFilter() {
        Random random = new Random(11);
        for (int run = 0; run < 20; run++) {
            double cx = 100 + 500 * random.nextDouble();
            double cy = 100 + 300 * random.nextDouble();
            double w = 20 + 60 * random.nextDouble();
            double h = 40 + 120 * random.nextDouble();
            BoxKalman fast = new BoxKalman(cx, cy, w, h);
            DenseKalman dense = new DenseKalman(cx, cy, w, h);
            for (int step = 0; step < 40; step++) {
                double dt = random.nextInt(5) == 0 ? 0.2 + random.nextDouble() : 1.0 / (5 + random.nextInt(26));
                fast.predict(dt);
                dense.predict(dt);
                if (random.nextInt(4) > 0) {
                    cx += 3 + random.nextGaussian();
                    cy += 1 + random.nextGaussian();
                    double mw = w + random.nextGaussian();
                    double mh = h + random.nextGaussian();
                    fast.update(cx, cy, mw, mh);
                    dense.update(cx, cy, mw, mh);
                }
                double[] a = fast.state();
                double[][] pa = fast.covariance();
                for (int i = 0; i < 8; i++) {
                    assertThat(a[i]).isCloseTo(dense.x[i], within(1e-6 * (1 + Math.abs(dense.x[i]))));
                    for (int j = 0; j < 8; j++) {
                        assertThat(pa[i][j]).as("P[%d][%d] at step %d", i, j, step)
                                .isCloseTo(dense.p[i][j], within(1e-6 * (1 + Math.abs(dense.p[i][j]))));
                    }
                }
            }
        }
    }

    @Test
    void learnsAConstantVelocityAndPredictsThroughAGap() {
        BoxKalman k = new BoxKalman(100, 200, 40, 80);
        for (int f = 1; f <= 20; f++) {
            k.predict(0.1);
            k.update(100 + 50 * 0.1 * f, 200, 40, 80); // 50 px/s at 10 fps
        }
        assertThat(k.state()[4]).isCloseTo(50, within(1.0));
        for (int f = 0; f < 10; f++) { // a second unseen
            k.predict(0.1);
        }
        assertThat(k.centerX()).isCloseTo(100 + 50 * 3.0, within(2.0));
        assertThat(k.width()).isCloseTo(40, within(0.5));
        assertThat(k.height()).isCloseTo(80, within(0.5));
    }

    private static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    private static double[][] diag(double[] std, double k) {
        double[][] m = new double[std.length][std.length];
        for (int i = 0; i < std.length; i++) {
            m[i][i] = std[i] * std[i] * k;
        }
        return m;
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] m = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b[0].length; j++) {
                for (int k = 0; k < b.length; k++) {
                    m[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return m;
    }

    private static double[] mul(double[][] a, double[] v) {
        double[] m = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < v.length; k++) {
                m[i] += a[i][k] * v[k];
            }
        }
        return m;
    }

    private static double[][] transpose(double[][] a) {
        double[][] m = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                m[j][i] = a[i][j];
            }
        }
        return m;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] m = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                m[i][j] = a[i][j] + b[i][j];
            }
        }
        return m;
    }

    private static double[][] scale(double[][] a, double s) {
        double[][] m = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                m[i][j] = a[i][j] * s;
            }
        }
        return m;
    }

    /** Gauss-Jordan with partial pivoting. */
    private static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
                    pivot = r;
                }
            }
            double[] tmp = m[c];
            m[c] = m[pivot];
            m[pivot] = tmp;
            double d = m[c][c];
            for (int j = 0; j < 2 * n; j++) {
                m[c][j] /= d;
            }
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double f = m[r][c];
                    for (int j = 0; j < 2 * n; j++) {
                        m[r][j] -= f * m[c][j];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inv[i], 0, n);
        }
        return inv;
    }
}
