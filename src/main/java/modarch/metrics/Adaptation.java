package modarch.metrics;

import java.util.Arrays;
import java.util.function.Function;
import modarch.task.NumpyRandomState;

/**
 * The adaptation metric ("specialization" in the reference's spec.py): for each of 100 rule
 * distributions q = RandomState(evalSeed).dirichlet(ones(R)), evalSeed = 0..99, compare the
 * sorted q with the sorted averaged routing scores, {@code sum|sort(q) - sort(s)| / 2}, and
 * average over the draws.
 */
public final class Adaptation {

    /** Number of Dirichlet draws (evalSeed 0..DRAWS-1). */
    public static final int DRAWS = 100;

    private Adaptation() {
    }

    /** (R): the rule distribution for one evalSeed, RandomState(evalSeed).dirichlet(ones(R)). */
    public static double[] ruleDistribution(int rules, long evalSeed) {
        double[] alpha = new double[rules];
        Arrays.fill(alpha, 1.0);
        return new NumpyRandomState(evalSeed).dirichlet(alpha);
    }

    /** q and scores are (R); neither is modified. Returns {@code sum|sort(q) - sort(scores)| / 2}. */
    public static double score(double[] q, double[] scores) {
        if (q.length != scores.length) {
            throw new IllegalArgumentException("scores has length " + scores.length + "; it must match q's length " + q.length);
        }
        double[] a = q.clone();
        double[] b = scores.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        double sum = 0.0;
        for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / 2.0;
    }

    /**
     * The mean of {@link #score} over evalSeed 0..99. scoresFor maps a rule distribution q (R)
     * to the routing scores (R) averaged over data drawn with q (for a model: run it on data
     * drawn with q and average its routing scores).
     */
    public static double mean(int rules, Function<double[], double[]> scoresFor) {
        double total = 0.0;
        for (int seed = 0; seed < DRAWS; seed++) {
            double[] q = ruleDistribution(rules, seed);
            total += score(q, scoresFor.apply(q.clone()));
        }
        return total / DRAWS;
    }

    /**
     * The reference's "Random" row (plot_main.py add_random): the module marginal (R) stands in
     * for the averaged routing scores of every draw.
     */
    public static double ofMarginal(double[] marginal) {
        return mean(marginal.length, q -> marginal);
    }
}
