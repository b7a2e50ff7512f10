package modarch.train;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;

/** The training objective: L1 (mean) for regression, BCE with logits (mean) for classification. */
public enum Loss {
    L1,
    BCE_WITH_LOGITS;

    public static Loss forTask(boolean classification) {
        return classification ? BCE_WITH_LOGITS : L1;
    }

    /**
     * Mean loss of each replica's n predictions (pred, target and grad are (rep, n)): writes d(loss)/d(prediction)
     * into grad and {@code loss[r] = (accumulate ? loss[r] : 0) + scale * mean}, on the backend.
     */
    public void apply(Backend backend, int rep, int n, FloatBuf pred, FloatBuf target, FloatBuf grad,
                      FloatBuf loss, float scale, boolean accumulate) {
        if (this == L1) backend.l1Loss(rep, n, pred, 0, target, 0, grad, 0, loss, 0, scale, accumulate);
        else backend.bceWithLogitsLoss(rep, n, pred, 0, target, 0, grad, 0, loss, 0, scale, accumulate);
    }
}
