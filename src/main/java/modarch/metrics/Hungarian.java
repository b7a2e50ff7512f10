package modarch.metrics;

import java.util.Arrays;

/**
 * Minimum-cost perfect assignment of a square cost matrix (what the reference gets from
 * {@code scipy.optimize.linear_sum_assignment}). Shortest augmenting paths with row and
 * column potentials (Jonker-Volgenant style): one Dijkstra-like pass per row, O(n^3) overall.
 */
public final class Hungarian {

    private Hungarian() {
    }

    /**
     * cost is (n, n), finite. Returns (n): the column assigned to each row, a permutation that
     * minimises {@code sum_r cost[r][col[r]]}.
     */
    public static int[] solve(double[][] cost) {
        int n = cost.length;
        for (int r = 0; r < n; r++) {
            if (cost[r].length != n) {
                throw new IllegalArgumentException("cost row " + r + " has " + cost[r].length
                        + " columns; the cost matrix must be square (" + n + " x " + n + ")");
            }
            for (int c = 0; c < n; c++) {
                if (!Double.isFinite(cost[r][c])) {
                    throw new IllegalArgumentException("cost[" + r + "][" + c + "] is " + cost[r][c]
                            + "; costs must be finite");
                }
            }
        }
        // Index 0 of the column arrays is a virtual column that holds the row being inserted.
        double[] rowPot = new double[n + 1];   // (n+1) potential of row i, rows 1-based
        double[] colPot = new double[n + 1];   // (n+1) potential of column j, columns 1-based
        int[] rowOfCol = new int[n + 1];       // (n+1) row matched to column j, 0 when free
        int[] prevCol = new int[n + 1];        // (n+1) predecessor column on the shortest path
        double[] dist = new double[n + 1];     // (n+1) reduced path length to column j
        boolean[] done = new boolean[n + 1];   // (n+1) column j has its final distance

        for (int row = 1; row <= n; row++) {
            rowOfCol[0] = row;
            int col = 0;
            Arrays.fill(dist, Double.POSITIVE_INFINITY);
            Arrays.fill(done, false);
            // Grow the shortest-path tree from the new row until it reaches a free column.
            do {
                done[col] = true;
                int r = rowOfCol[col];
                double delta = Double.POSITIVE_INFINITY;
                int next = 0;
                for (int j = 1; j <= n; j++) {
                    if (done[j]) continue;
                    double reduced = cost[r - 1][j - 1] - rowPot[r] - colPot[j];
                    if (reduced < dist[j]) {
                        dist[j] = reduced;
                        prevCol[j] = col;
                    }
                    if (dist[j] < delta) {
                        delta = dist[j];
                        next = j;
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (done[j]) {
                        rowPot[rowOfCol[j]] += delta;
                        colPot[j] -= delta;
                    } else {
                        dist[j] -= delta;
                    }
                }
                col = next;
            } while (rowOfCol[col] != 0);
            // Flip the matching along the path back to the virtual column.
            while (col != 0) {
                int before = prevCol[col];
                rowOfCol[col] = rowOfCol[before];
                col = before;
            }
        }

        int[] colOfRow = new int[n];
        for (int j = 1; j <= n; j++) colOfRow[rowOfCol[j] - 1] = j - 1;
        return colOfRow;
    }
}
