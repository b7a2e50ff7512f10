package modarch.train;

import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.ops.BceWithLogitsLoss;
import modarch.backend.ops.L1Loss;

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
        backend.run(op(rep, n, pred, target, grad, loss, scale, accumulate));
    }

    /** {@link #apply}'s op, to build once and run at every step. */
    public Op op(int rep, int n, FloatBuf pred, FloatBuf target, FloatBuf grad, FloatBuf loss, float scale,
                 boolean accumulate) {
        Mat p = Mat.of("pred", pred, 0, rep, n), t = Mat.of("target", target, 0, rep, n);
        Mat g = Mat.of("grad", grad, 0, rep, n), l = Mat.vector("loss", loss, 0, rep);
        return this == L1 ? new L1Loss(p, t, g, l, scale, accumulate)
                : new BceWithLogitsLoss(p, t, g, l, scale, accumulate);
    }
}
