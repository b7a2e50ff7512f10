package modarch.task;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import modarch.Checks;
import modarch.backend.DoubleBits;

/**
 * What the MLP and MHA task families share: R rules, regression or classification (one label per row), and the
 * rules' two coefficient vectors, {@code rng = numpy.random.RandomState(dataSeed); coeff1 = rng.randn(R);
 * coeff2 = rng.randn(R)}, so a data seed names one task instance.
 */
abstract class CoefficientTask implements Task {
    private final int rules;
    private final boolean classification;
    private final double[] coeff1; // (R) weight of the first value per rule
    private final double[] coeff2; // (R) weight of the second value per rule
    private final int[] coefficientWords; // (2, R) coeff1 then coeff2, as DoubleBits words

    /** rules in 2..64, dataSeed in 0..2^32-1 (a numpy RandomState seed). */
    CoefficientTask(int rules, long dataSeed, boolean classification) {
        Checks.rules(rules);
        Checks.dataSeed(dataSeed);
        NumpyRandomState rng = new NumpyRandomState(dataSeed);
        this.rules = rules;
        this.classification = classification;
        this.coeff1 = rng.randn(rules);
        this.coeff2 = rng.randn(rules);
        double[] both = Arrays.copyOf(coeff1, 2 * rules);
        System.arraycopy(coeff2, 0, both, rules, rules);
        this.coefficientWords = DoubleBits.toInts(both);
    }

    @Override
    public final int rules() {
        return rules;
    }

    @Override
    public final boolean classification() {
        return classification;
    }

    /** (R) a copy of the first coefficients. */
    public final double[] coeff1() {
        return coeff1.clone();
    }

    /** (R) a copy of the second coefficients. */
    public final double[] coeff2() {
        return coeff2.clone();
    }

    /** The coefficients as {@link DoubleBits} words, (2, R): coeff1 then coeff2; a copy. */
    public final int[] coefficientWords() {
        return coefficientWords.clone();
    }

    /** The words themselves, for this package's draws (not copied). */
    final int[] words() {
        return coefficientWords;
    }

    @Override
    public final int labelWidth() {
        return 1;
    }

    @Override
    public final Map<String, double[]> coefficients() {
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put("coeff1", coeff1());
        out.put("coeff2", coeff2());
        return out;
    }
}
