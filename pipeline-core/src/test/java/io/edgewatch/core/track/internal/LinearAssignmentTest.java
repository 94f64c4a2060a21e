package io.edgewatch.core.track.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import org.junit.jupiter.api.Test;

class LinearAssignmentTest {

    /** The best objective, by trying every partial matching: each row takes a free column below the threshold, or none. */
    private static double bruteForce(double[] c, int rows, int cols, double t, int row, boolean[] used) {
        if (row == rows) {
            return 0;
        }
        double best = bruteForce(c, rows, cols, t, row + 1, used);
        for (int j = 0; j < cols; j++) {
            double x = c[row * cols + j];
            if (!used[j] && x < t) {
                used[j] = true;
                best = Math.min(best, x - t + bruteForce(c, rows, cols, t, row + 1, used));
                used[j] = false;
            }
        }
        return best;
    }

    /** The objective of an answer, checking it is an answer: each column at most once, only pairs below the threshold. */
    private static double objective(double[] c, int rows, int cols, double t, int[] rowToCol, int taken) {
        boolean[] used = new boolean[cols];
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < rows; i++) {
            int j = rowToCol[i];
            if (j < 0) {
                continue;
            }
            assertThat(used[j]).as("column %d taken twice", j).isFalse();
            used[j] = true;
            assertThat(c[i * cols + j]).isLessThan(t);
            sum += c[i * cols + j] - t;
            pairs++;
        }
        assertThat(pairs).isEqualTo(taken);
        return sum;
    }

    @Test
    void matchesBruteForceOnRandomMatricesOfEveryShapeUpToSeven() {
        Random random = new Random(29);
        LinearAssignment solver = new LinearAssignment();
        int cases = 0;
        for (int round = 0; round < 400; round++) {
            for (int rows = 0; rows <= 7; rows++) {
                int cols = random.nextInt(8);
                double[] c = new double[rows * cols];
                boolean sparse = random.nextBoolean();
                boolean ties = random.nextInt(4) == 0;
                for (int k = 0; k < c.length; k++) {
                    double x = ties ? random.nextInt(4) / 4.0 : random.nextDouble();
                    c[k] = sparse && random.nextInt(3) > 0 ? 1.0 : x;
                }
                // a threshold that cuts some pairs, or none (the plain problem: every row of the smaller side taken)
                double t = random.nextInt(5) == 0 ? 10.0 : 0.2 + 0.8 * random.nextDouble();
                int[] rowToCol = new int[rows];
                int taken = solver.solve(c, rows, cols, t, rowToCol);
                double expected = bruteForce(c, rows, cols, t, 0, new boolean[cols]);
                assertThat(objective(c, rows, cols, t, rowToCol, taken))
                        .as("rows %d cols %d threshold %s", rows, cols, t).isCloseTo(expected, within(1e-9));
                if (t == 10.0) {
                    assertThat(taken).isEqualTo(Math.min(rows, cols));
                }
                cases++;
            }
        }
        assertThat(cases).isEqualTo(3200);
    }

    @Test
    void aPairAtOrAboveTheThresholdIsNeverTakenEvenWhenItIsTheOnlyOne() {
        LinearAssignment solver = new LinearAssignment();
        int[] out = new int[2];
        assertThat(solver.solve(new double[] {0.8, 0.9, 0.95, 0.8}, 2, 2, 0.8, out)).isZero();
        assertThat(out).containsExactly(-1, -1);
    }

    @Test
    void givesUpACheapPairWhenTwoOthersSaveMore() {
        // row 0 likes column 0 best, but then row 1 has nothing: the optimum gives row 0 column 1
        double[] c = {0.1, 0.3,
                      0.2, 0.9};
        int[] out = new int[2];
        assertThat(new LinearAssignment().solve(c, 2, 2, 0.8, out)).isEqualTo(2);
        assertThat(out).containsExactly(1, 0);
    }

    @Test
    void solvesWideAndTallMatricesWithLargeComponents() {
        Random random = new Random(7);
        LinearAssignment solver = new LinearAssignment();
        for (int round = 0; round < 50; round++) {
            int rows = 1 + random.nextInt(7);
            int cols = 1 + random.nextInt(7);
            double[] c = new double[rows * cols];
            for (int k = 0; k < c.length; k++) {
                c[k] = random.nextDouble() * 0.5; // every pair usable: one component
            }
            int[] out = new int[rows];
            int taken = solver.solve(c, rows, cols, 0.6, out);
            assertThat(taken).isEqualTo(Math.min(rows, cols));
            assertThat(objective(c, rows, cols, 0.6, out, taken))
                    .isCloseTo(bruteForce(c, rows, cols, 0.6, 0, new boolean[cols]), within(1e-9));
        }
    }
}
