package io.edgewatch.testkit.mot;

import java.util.Arrays;

/**
 * The assignment problem for the metrics, written apart from the tracker's own solver so that the
 * metrics do not share its mistakes: Kuhn-Munkres with potentials on a square matrix (a rectangular
 * one is padded with zeros), O(n³), minimising.
 */
final class Hungarian {

    private Hungarian() {
    }

    /** For each row of {@code cost} (rows × cols), the column it gets, or -1 (only when rows > cols). */
    static int[] minimise(double[][] cost) {
        int rows = cost.length;
        int cols = rows == 0 ? 0 : cost[0].length;
        int n = Math.max(rows, cols);
        int[] out = new int[rows];
        Arrays.fill(out, -1);
        if (n == 0) {
            return out;
        }
        // 1-based, column 0 is the virtual start of each augmenting path
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] p = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[n + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[n + 1];
            do {
                used[j0] = true;
                int i0 = p[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double c = (i0 <= rows && j <= cols ? cost[i0 - 1][j - 1] : 0) - u[i0] - v[j];
                        if (c < minv[j]) {
                            minv[j] = c;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        for (int j = 1; j <= n; j++) {
            if (p[j] >= 1 && p[j] <= rows && j <= cols) {
                out[p[j] - 1] = j - 1;
            }
        }
        return out;
    }
}
