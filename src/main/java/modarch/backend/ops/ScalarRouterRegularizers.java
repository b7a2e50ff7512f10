package modarch.backend.ops;

import java.util.Arrays;

/**
 * The reference of {@link RegularizerTerms}: per replica, one pass over its rows in increasing order for
 * the statistics (f, P, the rows' logsumexp and entropies, summed in double), then, when a weight is not 0, one for
 * the gradient, in double per row and rounded to float once per element before it is added. Logarithms of
 * probabilities take max(q, {@link Float#MIN_NORMAL}): 0 log 0 = 0 in the entropies, and a probability that
 * underflowed to 0 gives a finite log in the mutual information's gradient (its softmax factor p = 0 cancels it).
 * Allocates nothing once its thread's scratch has grown to R.
 */
final class ScalarRouterRegularizers {
    private static final ThreadLocal<ScalarRouterRegularizers> LOCAL =
            ThreadLocal.withInitial(ScalarRouterRegularizers::new);

    private double[] mean = new double[0];  // (R): P_m
    private double[] top = new double[0];   // (R): f_m, the fraction of rows whose largest p is m
    private double[] logMean = new double[0]; // (R): log P_m, guarded
    private double[] dp = new double[0];    // (R): a row's dLoss/dp

    private ScalarRouterRegularizers() {
    }

    /** See {@link RegularizerTerms}; arrays are the buffers' contents. */
    static void run(int rep, int rows, int modules, float[] logits, float[] probs, float loadBalance, float zLoss,
                    float miLoss, float[] terms, float[] gradLogits) {
        check(rows, modules);
        ScalarRouterRegularizers s = LOCAL.get();
        s.grow(modules);
        for (int r = 0; r < rep; r++) s.replica(r, rows, modules, logits, probs, loadBalance, zLoss, miLoss, terms,
                gradLogits);
    }

    /** Refuses what has no mean: no rows or no modules. */
    private static void check(int rows, int modules) {
        if (rows < 1 || modules < 1) {
            throw new IllegalArgumentException("router regularisers over " + rows + " rows of " + modules
                    + " modules: both must be at least 1");
        }
    }

    private void grow(int modules) {
        if (mean.length < modules) {
            mean = new double[modules];
            top = new double[modules];
            logMean = new double[modules];
            dp = new double[modules];
        }
    }

    /** log max(q, smallest normal float): finite for q = 0. */
    private static double guardedLog(double q) {
        return Math.log(Math.max(q, Float.MIN_NORMAL));
    }

    /** ln of sum_m exp(z[row + m]) over modules, max-subtracted. */
    private static double logSumExp(float[] z, int row, int modules) {
        double max = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < modules; m++) max = Math.max(max, z[row + m]);
        double sum = 0;
        for (int m = 0; m < modules; m++) sum += Math.exp(z[row + m] - max);
        return max + Math.log(sum);
    }

    // logits, probs, gradLogits are (rep, rows, R); terms (rep, 3)
    private void replica(int r, int rows, int modules, float[] logits, float[] probs, float loadBalance, float zLoss,
                         float miLoss, float[] terms, float[] gradLogits) {
        Arrays.fill(mean, 0, modules, 0.0);
        Arrays.fill(top, 0, modules, 0.0);
        double squares = 0, rowEntropy = 0; // sums over rows of lse(z)^2 and of H(p)
        int base = r * rows * modules;
        for (int x = 0; x < rows; x++) {
            int row = base + x * modules;
            int argmax = 0;
            float best = Float.NEGATIVE_INFINITY; // ties to the lower index; a NaN never wins
            for (int m = 0; m < modules; m++) {
                float p = probs[row + m];
                mean[m] += p;
                rowEntropy -= p * guardedLog(p);
                if (p > best) {
                    best = p;
                    argmax = m;
                }
            }
            top[argmax] += 1;
            double lse = logSumExp(logits, row, modules);
            squares += lse * lse;
        }
        double balance = 0, meanEntropy = 0;
        for (int m = 0; m < modules; m++) {
            mean[m] /= rows;
            top[m] /= rows;
            logMean[m] = guardedLog(mean[m]);
            balance += top[m] * mean[m];
            meanEntropy -= mean[m] * logMean[m];
        }
        terms[3 * r] = (float) (modules * balance);
        terms[3 * r + 1] = (float) (squares / rows);
        terms[3 * r + 2] = (float) (meanEntropy - rowEntropy / rows);
        if (loadBalance == 0f && zLoss == 0f && miLoss == 0f) return;
        double balanceScale = (double) loadBalance * modules / rows, miScale = (double) miLoss / rows;
        double zScale = 2.0 * zLoss / rows;
        for (int x = 0; x < rows; x++) {
            int row = base + x * modules;
            // dLoss/dp = loadBalance R f_m / N - miLoss (log p - log P_m) / N, then back through the softmax
            double dot = 0;
            for (int m = 0; m < modules; m++) {
                double p = probs[row + m];
                dp[m] = balanceScale * top[m] - miScale * (guardedLog(p) - logMean[m]);
                dot += dp[m] * p;
            }
            double zRow = zScale * logSumExp(logits, row, modules); // zLoss dZ/dz = zLoss (2 / N) lse p
            for (int m = 0; m < modules; m++) {
                double p = probs[row + m];
                gradLogits[row + m] += (float) (p * (dp[m] - dot + zRow));
            }
        }
    }
}
