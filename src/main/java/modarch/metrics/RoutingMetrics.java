package modarch.metrics;

/**
 * The paper's routing metrics of one joint activation matrix P (R, R), rows rules, columns
 * modules, as the reference computes them (metrics.py, hungarian.py, plot_main.py):
 *
 * <ul>
 *   <li>collapseAvg {@code R * sum_m max(1/R - p(m), 0) / (R - 1)}, p the module marginal
 *       (column sums);</li>
 *   <li>collapseWorst {@code 1 - R * min_m p(m)};</li>
 *   <li>alignment: Perm the optimal assignment of cost {@code 1 - R*P},
 *       {@code sum|Perm - R*P| / (2R)};</li>
 *   <li>mutualInformation {@code sum P * log(P / (p(m) p(r) + 1e-8) + 1e-8)}, natural log;</li>
 *   <li>inverseMutualInformation {@code (log R - MI) / log R};</li>
 *   <li>adaptationOfMarginal: {@link Adaptation#ofMarginal} of p (the "Random" row's formula).</li>
 * </ul>
 */
public record RoutingMetrics(double collapseAvg, double collapseWorst, double alignment,
                             double mutualInformation, double inverseMutualInformation,
                             double adaptationOfMarginal) {

    /** The reference's EPS, in the mutual information. */
    private static final double EPS = 1e-8;

    /** joint is (R, R), a joint matrix up to scale; it is normalised to sum 1 first, as metrics.py does. */
    public static RoutingMetrics of(double[][] joint) {
        double[][] p = ActivationMatrix.fromJoint(joint);
        int n = p.length;
        double[] moduleMarginal = new double[n];  // (R) column sums
        double[] ruleMarginal = new double[n];    // (R) row sums
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) {
                moduleMarginal[m] += p[r][m];
                ruleMarginal[r] += p[r][m];
            }
        }
        double mi = mutualInformation(p, ruleMarginal, moduleMarginal);
        double logR = Math.log(n);
        return new RoutingMetrics(
                collapseAvg(moduleMarginal),
                collapseWorst(moduleMarginal),
                alignment(p),
                mi,
                (logR - mi) / logR,
                Adaptation.ofMarginal(moduleMarginal));
    }

    private static double collapseAvg(double[] moduleMarginal) {
        int n = moduleMarginal.length;
        double deficit = 0.0;
        for (double pm : moduleMarginal) deficit += Math.max(1.0 / n - pm, 0.0);
        return n * deficit / (n - 1);
    }

    private static double collapseWorst(double[] moduleMarginal) {
        double min = Double.POSITIVE_INFINITY;
        for (double pm : moduleMarginal) min = Math.min(min, pm);
        return 1.0 - moduleMarginal.length * min;
    }

    private static double mutualInformation(double[][] p, double[] ruleMarginal, double[] moduleMarginal) {
        int n = p.length;
        double mi = 0.0;
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) {
                double independent = moduleMarginal[m] * ruleMarginal[r];
                mi += p[r][m] * Math.log(p[r][m] / (independent + EPS) + EPS);
            }
        }
        return mi;
    }

    private static double alignment(double[][] p) {
        int n = p.length;
        double[][] scaled = new double[n][n];  // (R, R) R*P
        double[][] cost = new double[n][n];    // (R, R) 1 - R*P
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) {
                scaled[r][m] = p[r][m] * n;
                cost[r][m] = 1.0 - scaled[r][m];
            }
        }
        int[] colOfRow = Hungarian.solve(cost);
        double sum = 0.0;
        for (int r = 0; r < n; r++) {
            for (int m = 0; m < n; m++) {
                double perm = colOfRow[r] == m ? 1.0 : 0.0;
                sum += Math.abs(perm - scaled[r][m]);
            }
        }
        return sum / (2.0 * n);
    }
}
