package modarch.backend;

/**
 * The router regularisers written out again in double, independently of the backends, as
 * {@link Backend#routerRegularizers} describes them, with their gradients taken straight in the logits
 * ({@code dT/dz_j = p_j (dT/dp_j - sum_k p_k dT/dp_k)} worked out per term). Tensors are compact: z, p and the
 * gradients are (rep, rows, R), terms (rep, 3), top (rep, R).
 */
final class NaiveRouterRegularizers {
    final int rep, rows, modules;
    /** (rep, 3): load balance, z-loss, mutual information. */
    final double[] terms;
    /** (rep, R): f, the fraction of a replica's rows whose largest p is m. */
    final double[] top;
    /** (rep, rows, R): d[load balance]/dz with f held, d[z-loss]/dz, d[mutual information]/dz. */
    final double[] balanceGrad, zGrad, miGrad;

    private NaiveRouterRegularizers(int rep, int rows, int modules) {
        this.rep = rep;
        this.rows = rows;
        this.modules = modules;
        terms = new double[rep * 3];
        top = new double[rep * modules];
        balanceGrad = new double[rep * rows * modules];
        zGrad = new double[balanceGrad.length];
        miGrad = new double[balanceGrad.length];
    }

    /** The terms and gradients at logits z and probabilities p, f taken from p. */
    static NaiveRouterRegularizers of(int rep, int rows, int modules, double[] z, double[] p) {
        NaiveRouterRegularizers n = new NaiveRouterRegularizers(rep, rows, modules);
        for (int r = 0; r < rep; r++) {
            for (int x = 0; x < rows; x++) n.top[r * modules + firstLargest(p, (r * rows + x) * modules, modules)] += 1.0 / rows;
        }
        n.fill(z, p, n.top);
        return n;
    }

    /** The terms at logits z, p = softmax(z) in double, f held at top (rep, R): the objective of finite differences. */
    static double[] termsAt(int rep, int rows, int modules, double[] z, double[] top) {
        NaiveRouterRegularizers n = new NaiveRouterRegularizers(rep, rows, modules);
        n.fill(z, softmax(rep * rows, modules, z), top);
        return n.terms;
    }

    /** The gradient w.r.t. z of loadBalance * LB + zLoss * Z - miLoss * MI. */
    double[] gradient(double loadBalance, double zLoss, double miLoss) {
        double[] g = new double[balanceGrad.length];
        for (int i = 0; i < g.length; i++) g[i] = loadBalance * balanceGrad[i] + zLoss * zGrad[i] - miLoss * miGrad[i];
        return g;
    }

    /** Row-wise softmax of (n, R) logits, in double. */
    static double[] softmax(int n, int modules, double[] z) {
        double[] p = new double[z.length];
        for (int x = 0; x < n; x++) {
            double lse = logSumExp(z, x * modules, modules);
            for (int m = 0; m < modules; m++) p[x * modules + m] = Math.exp(z[x * modules + m] - lse);
        }
        return p;
    }

    /** The first m of the largest value of v[from, from + modules). */
    private static int firstLargest(double[] v, int from, int modules) {
        double largest = v[from];
        for (int m = 1; m < modules; m++) largest = Math.max(largest, v[from + m]);
        for (int m = 0; m < modules; m++) {
            if (v[from + m] == largest) return m;
        }
        throw new AssertionError("no largest value");
    }

    private static double logSumExp(double[] z, int from, int modules) {
        double max = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < modules; m++) max = Math.max(max, z[from + m]);
        double sum = 0;
        for (int m = 0; m < modules; m++) sum += Math.exp(z[from + m] - max);
        return max + Math.log(sum);
    }

    /** q log q, 0 at q = 0. */
    private static double qLogQ(double q) {
        return q == 0 ? 0 : q * Math.log(q);
    }

    private void fill(double[] z, double[] p, double[] f) {
        for (int r = 0; r < rep; r++) {
            double[] mean = new double[modules];
            for (int x = 0; x < rows; x++) {
                for (int m = 0; m < modules; m++) mean[m] += p[(r * rows + x) * modules + m] / rows;
            }
            double balance = 0, zLoss = 0, entropyOfMean = 0, meanEntropy = 0;
            for (int m = 0; m < modules; m++) {
                balance += f[r * modules + m] * mean[m];
                entropyOfMean -= qLogQ(mean[m]);
            }
            for (int x = 0; x < rows; x++) {
                int row = (r * rows + x) * modules;
                double lse = logSumExp(z, row, modules);
                zLoss += lse * lse / rows;
                double fp = 0, ap = 0; // sum_k f_k p_k, sum_k p_k (log p_k - log P_k)
                for (int m = 0; m < modules; m++) {
                    double q = p[row + m];
                    meanEntropy -= qLogQ(q) / rows;
                    fp += f[r * modules + m] * q;
                    ap += q == 0 ? 0 : q * (Math.log(q) - Math.log(mean[m]));
                }
                for (int m = 0; m < modules; m++) {
                    double q = p[row + m];
                    double a = q == 0 ? 0 : Math.log(q) - Math.log(mean[m]);
                    balanceGrad[row + m] = modules * q * (f[r * modules + m] - fp) / rows;
                    zGrad[row + m] = 2 * lse * q / rows;
                    miGrad[row + m] = q * (a - ap) / rows;
                }
            }
            terms[3 * r] = modules * balance;
            terms[3 * r + 1] = zLoss;
            terms[3 * r + 2] = entropyOfMean - meanEntropy;
        }
    }
}
