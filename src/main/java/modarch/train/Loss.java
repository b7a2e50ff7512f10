package modarch.train;

import modarch.backend.Backend;

/** The training objective: L1 (mean) for regression, BCE with logits (mean) for classification. */
public enum Loss {
    L1,
    BCE_WITH_LOGITS;

    public static Loss forTask(boolean classification) {
        return classification ? BCE_WITH_LOGITS : L1;
    }

    /** Mean loss over n values at offset off; writes d(loss)/d(prediction) into grad. */
    public double apply(Backend backend, int n, float[] pred, float[] target, float[] grad, int off) {
        return this == L1
                ? backend.l1Loss(n, pred, off, target, off, grad, off)
                : backend.bceWithLogitsLoss(n, pred, off, target, off, grad, off);
    }

    /** Percentage of n logits whose sign ({@code logit >= 0}) matches the 0/1 target. */
    public static double accuracyPercent(int n, float[] logit, float[] target, int off) {
        int correct = 0;
        for (int i = 0; i < n; i++) {
            if ((logit[off + i] >= 0f) == (target[off + i] >= 0.5f)) correct++;
        }
        return 100.0 * correct / n;
    }
}
