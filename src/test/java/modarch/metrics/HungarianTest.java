package modarch.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HungarianTest {

    private static double[][] randomCost(SplittableRandom rng, int n, boolean integers) {
        double[][] c = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) c[r][m] = integers ? rng.nextInt(-3, 4) : rng.nextDouble(-5, 5);
        }
        return c;
    }

    private static double cost(double[][] c, int[] colOfRow) {
        double s = 0;
        for (int r = 0; r < c.length; r++) s += c[r][colOfRow[r]];
        return s;
    }

    private static void assertPermutation(int[] colOfRow, int n) {
        assertEquals(n, colOfRow.length);
        boolean[] seen = new boolean[n];
        for (int col : colOfRow) {
            assertTrue(col >= 0 && col < n && !seen[col], "not a permutation");
            seen[col] = true;
        }
    }

    /** Minimum of sum c[r][perm[r]] over all permutations of 0..n-1 (Heap's algorithm). */
    private static double bruteForce(double[][] c) {
        int n = c.length;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        double best = cost(c, perm);
        int[] stack = new int[n];
        int i = 1;
        while (i < n) {
            if (stack[i] < i) {
                int j = i % 2 == 0 ? 0 : stack[i];
                int t = perm[j];
                perm[j] = perm[i];
                perm[i] = t;
                best = Math.min(best, cost(c, perm));
                stack[i]++;
                i = 1;
            } else {
                stack[i] = 0;
                i++;
            }
        }
        return best;
    }

    @Test
    void matchesBruteForceUpToSeven() {
        for (int n = 1; n <= 7; n++) {
            for (int seed = 0; seed < 60; seed++) {
                SplittableRandom rng = new SplittableRandom(1000L * n + seed);
                // Integer costs have many ties; real costs almost none.
                double[][] c = randomCost(rng, n, seed % 2 == 0);
                int[] colOfRow = Hungarian.solve(c);
                assertPermutation(colOfRow, n);
                assertEquals(bruteForce(c), cost(c, colOfRow), 1e-12, "n=" + n + " seed=" + seed);
            }
        }
    }

    @Test
    void solves64QuicklyAndFindsAPlantedOptimum() {
        int n = 64;
        SplittableRandom rng = new SplittableRandom(7);
        int[] planted = new int[n];
        for (int i = 0; i < n; i++) planted[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = planted[i];
            planted[i] = planted[j];
            planted[j] = t;
        }
        double[][] c = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) c[r][m] = m == planted[r] ? 0.0 : rng.nextDouble(1, 2);
        }
        int[] colOfRow = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> Hungarian.solve(c));
        assertArrayEquals(planted, colOfRow);
    }

    @Test
    void random64HasNoImprovingSwap() {
        int n = 64;
        double[][] c = randomCost(new SplittableRandom(64), n, false);
        int[] col = Hungarian.solve(c);
        assertPermutation(col, n);
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                double swapped = c[a][col[b]] + c[b][col[a]] - c[a][col[a]] - c[b][col[b]];
                assertTrue(swapped >= -1e-12, "swapping rows " + a + " and " + b + " improves the cost");
            }
        }
    }

    @Test
    void rejectsNonSquareAndNonFinite() {
        assertThrows(IllegalArgumentException.class, () -> Hungarian.solve(new double[][] {{1, 2}, {3}}));
        assertThrows(IllegalArgumentException.class, () -> Hungarian.solve(new double[][] {{1, Double.NaN}, {3, 4}}));
        assertThrows(IllegalArgumentException.class,
                () -> Hungarian.solve(new double[][] {{1, 2}, {Double.NEGATIVE_INFINITY, 4}}));
    }
}
