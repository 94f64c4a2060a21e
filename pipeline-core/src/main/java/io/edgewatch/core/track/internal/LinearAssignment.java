package io.edgewatch.core.track.internal;

import java.util.Arrays;

/**
 * The rectangular linear assignment problem with a cost threshold, solved exactly: of the pairs
 * (row, column) whose cost is below {@code threshold}, the set that uses each row and each column
 * at most once and minimises the sum of {@code cost - threshold} (so each pair taken saves what
 * it costs below the threshold; a pair at or above it is never taken). This is what ByteTrack's
 * {@code linear_assignment(cost, thresh)} asks of {@code lapjv} with a cost limit.
 *
 * <p>The thresholded problem is the plain rectangular one on {@code min(cost - threshold, 0)}
 * (a pair at zero is as good as no pair and is dropped afterwards), solved by shortest augmenting
 * paths with dual potentials (Jonker-Volgenant without initialisation, as Crouse 2016 and scipy's
 * {@code linear_sum_assignment}), O(n²m) for n ≤ m. Because ByteTrack's matrices are sparse
 * (most tracks overlap one or no detection), the pairs below the threshold are first split into
 * connected components, and each is solved alone: a lone pair needs no search at all.
 *
 * <p>Not thread-safe: an instance keeps its work arrays between calls (one per tracker). Costs must
 * not be NaN.
 */
public final class LinearAssignment {

    private int[] parent = new int[0];
    private int[] rowsOf = new int[0];
    private int[] colsOf = new int[0];
    private double[] u = new double[0];
    private double[] v = new double[0];
    private double[] shortest = new double[0];
    private int[] path = new int[0];
    private int[] col4row = new int[0];
    private int[] row4col = new int[0];
    private int[] remaining = new int[0];
    private boolean[] seenRow = new boolean[0];
    private boolean[] seenCol = new boolean[0];
    private double[] sub = new double[0];
    private int[] start = new int[0];
    private int[] members = new int[0];
    private int[] fill = new int[0];

    /**
     * Solves {@code cost} ({@code rows} × {@code cols}, row-major in {@code cost[r * cols + c]}).
     *
     * @param rowToCol filled with the column of each row, or -1 for a row left alone; at least
     *                 {@code rows} long
     * @return the number of pairs taken
     */
    public int solve(double[] cost, int rows, int cols, double threshold, int[] rowToCol) {
        Arrays.fill(rowToCol, 0, rows, -1);
        if (rows == 0 || cols == 0) {
            return 0;
        }
        // components over rows (0..rows-1) and columns (rows..rows+cols-1), joined by each usable pair
        int n = rows + cols;
        if (parent.length < n) {
            parent = new int[n];
        }
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        boolean any = false;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                if (cost[base + c] < threshold) {
                    union(r, rows + c);
                    any = true;
                }
            }
        }
        if (!any) {
            return 0;
        }
        // members of each component, in index order: a counting sort by root
        if (rowsOf.length < n) {
            rowsOf = new int[n];
            colsOf = new int[n];
        }
        if (start.length < n + 1) {
            start = new int[n + 1];
            members = new int[n];
            fill = new int[n];
        }
        Arrays.fill(start, 0, n + 1, 0);
        for (int i = 0; i < n; i++) {
            start[find(i) + 1]++;
        }
        for (int i = 0; i < n; i++) {
            start[i + 1] += start[i];
        }
        System.arraycopy(start, 0, fill, 0, n);
        for (int i = 0; i < n; i++) {
            members[fill[find(i)]++] = i;
        }
        int taken = 0;
        for (int root = 0; root < n; root++) {
            int from = start[root];
            int to = start[root + 1];
            if (to - from < 2) {
                continue;
            }
            int nr = 0;
            int nc = 0;
            for (int k = from; k < to; k++) {
                int m = members[k];
                if (m < rows) {
                    rowsOf[nr++] = m;
                } else {
                    colsOf[nc++] = m - rows;
                }
            }
            if (nr == 1 && nc == 1) {
                rowToCol[rowsOf[0]] = colsOf[0];
                taken++;
                continue;
            }
            taken += solveComponent(cost, cols, threshold, nr, nc, rowToCol);
        }
        return taken;
    }

    private int solveComponent(double[] cost, int cols, double threshold, int nr, int nc, int[] rowToCol) {
        boolean transpose = nr > nc;
        int a = transpose ? nc : nr;
        int b = transpose ? nr : nc;
        if (sub.length < a * b) {
            sub = new double[a * b];
        }
        for (int i = 0; i < nr; i++) {
            int base = rowsOf[i] * cols;
            for (int j = 0; j < nc; j++) {
                double c = Math.min(cost[base + colsOf[j]] - threshold, 0.0);
                if (transpose) {
                    sub[j * b + i] = c;
                } else {
                    sub[i * b + j] = c;
                }
            }
        }
        rectangular(sub, a, b);
        int taken = 0;
        for (int i = 0; i < a; i++) {
            int j = col4row[i];
            int r = transpose ? rowsOf[j] : rowsOf[i];
            int c = transpose ? colsOf[i] : colsOf[j];
            if (cost[r * cols + c] < threshold) {
                rowToCol[r] = c;
                taken++;
            }
        }
        return taken;
    }

    /** Every one of the {@code nr ≤ nc} rows assigned at the least total cost; the answer in {@link #col4row}. */
    private void rectangular(double[] c, int nr, int nc) {
        if (u.length < nr) {
            u = new double[nr];
            col4row = new int[nr];
            seenRow = new boolean[nr];
        }
        if (v.length < nc) {
            v = new double[nc];
            shortest = new double[nc];
            path = new int[nc];
            row4col = new int[nc];
            remaining = new int[nc];
            seenCol = new boolean[nc];
        }
        Arrays.fill(u, 0, nr, 0.0);
        Arrays.fill(v, 0, nc, 0.0);
        Arrays.fill(col4row, 0, nr, -1);
        Arrays.fill(row4col, 0, nc, -1);
        for (int cur = 0; cur < nr; cur++) {
            Arrays.fill(shortest, 0, nc, Double.POSITIVE_INFINITY);
            Arrays.fill(seenRow, 0, nr, false);
            Arrays.fill(seenCol, 0, nc, false);
            int left = nc;
            for (int j = 0; j < nc; j++) {
                remaining[j] = nc - 1 - j;
            }
            double minVal = 0;
            int i = cur;
            int sink = -1;
            while (sink < 0) {
                seenRow[i] = true;
                int index = -1;
                double lowest = Double.POSITIVE_INFINITY;
                int base = i * nc;
                for (int it = 0; it < left; it++) {
                    int j = remaining[it];
                    double r = minVal + c[base + j] - u[i] - v[j];
                    if (r < shortest[j]) {
                        path[j] = i;
                        shortest[j] = r;
                    }
                    if (shortest[j] < lowest || (shortest[j] == lowest && row4col[j] < 0)) {
                        lowest = shortest[j];
                        index = it;
                    }
                }
                minVal = lowest;
                int j = remaining[index];
                if (row4col[j] < 0) {
                    sink = j;
                } else {
                    i = row4col[j];
                }
                seenCol[j] = true;
                remaining[index] = remaining[--left];
            }
            u[cur] += minVal;
            for (int r = 0; r < nr; r++) {
                if (seenRow[r] && r != cur) {
                    u[r] += minVal - shortest[col4row[r]];
                }
            }
            for (int j = 0; j < nc; j++) {
                if (seenCol[j]) {
                    v[j] -= minVal - shortest[j];
                }
            }
            int j = sink;
            while (true) {
                int r = path[j];
                row4col[j] = r;
                int previous = col4row[r];
                col4row[r] = j;
                j = previous;
                if (r == cur) {
                    break;
                }
            }
        }
    }

    private int find(int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    private void union(int a, int b) {
        int ra = find(a);
        int rb = find(b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
