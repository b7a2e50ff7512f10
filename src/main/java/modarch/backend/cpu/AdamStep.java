package modarch.backend.cpu;

/** The scalars of Adam step t, computed in double as PyTorch does, from the step counter held in a buffer. */
public final class AdamStep {

    private AdamStep() {
    }

    /** Advances the counter in {@code counter[index]} and returns the new step number t. */
    public static int advance(int[] counter, int index) {
        return ++counter[index];
    }

    /** lr / (1 - b1^t). */
    public static double stepSize(int t, double lr, float beta1) {
        return lr / (1 - Math.pow(beta1, t));
    }

    /** sqrt(1 - b2^t). */
    public static double biasCorrection2Sqrt(int t, float beta2) {
        return Math.sqrt(1 - Math.pow(beta2, t));
    }
}
