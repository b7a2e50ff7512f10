package modarch.backend;

import modarch.backend.ops.AdamUpdate;
import modarch.backend.ops.BceWithLogitsLoss;
import modarch.backend.ops.ClipGradNorm;
import modarch.backend.ops.CountCorrect;
import modarch.backend.ops.IncrementLong;
import modarch.backend.ops.L1Loss;

/** The ops built from (buffer, offset) arguments, as the tests write them: each factory names its op's views. */
public final class TestOps {
    private TestOps() {
    }

    /** pred, target and grad (batch, n) at their offsets, loss (batch) at lossOff. */
    public static L1Loss l1Loss(int batch, int n, FloatBuf pred, int predOff, FloatBuf target, int targetOff,
                                FloatBuf grad, int gradOff, FloatBuf loss, int lossOff, float scale,
                                        boolean accumulate) {
        return new L1Loss(Mat.of("pred", pred, predOff, batch, n), Mat.of("target", target, targetOff, batch, n),
                Mat.of("grad", grad, gradOff, batch, n), Mat.vector("loss", loss, lossOff, batch), scale, accumulate);
    }

    public static BceWithLogitsLoss bceWithLogitsLoss(int batch, int n, FloatBuf logit, int logitOff, FloatBuf target,
                                                      int targetOff, FloatBuf grad, int gradOff, FloatBuf loss,
                                                      int lossOff, float scale, boolean accumulate) {
        return new BceWithLogitsLoss(Mat.of("logit", logit, logitOff, batch, n),
                Mat.of("target", target, targetOff, batch, n), Mat.of("grad", grad, gradOff, batch, n),
                Mat.vector("loss", loss, lossOff, batch), scale, accumulate);
    }

    public static CountCorrect countCorrect(int batch, int n, FloatBuf logit, int logitOff, FloatBuf target,
                                            int targetOff, IntBuf correct, int correctOff) {
        return new CountCorrect(Mat.of("logit", logit, logitOff, batch, n), Mat.of("target", target, targetOff, batch,
                n),
                IntMat.vector("correct", correct, correctOff, batch));
    }

    /** grad's batch items of n at gradOff + i * stride; norms (batch) at normsOff. */
    public static ClipGradNorm clipGradNorm(int batch, int n, FloatBuf grad, int gradOff, int stride, float maxNorm,
                                            FloatBuf norms, int normsOff) {
        return new ClipGradNorm(Mat.items("grad", grad, gradOff, batch, stride, n), maxNorm,
                Mat.vector("norms", norms, normsOff, batch));
    }

    public static AdamUpdate adam(int n, FloatBuf param, FloatBuf grad, FloatBuf m, FloatBuf v, IntBuf step,
                                  int stepOff, double lr, float beta1, float beta2, float eps) {
        return new AdamUpdate(Mat.vector("param", param, 0, n), Mat.vector("grad", grad, 0, n),
                Mat.vector("m", m, 0, n), Mat.vector("v", v, 0, n), IntMat.vector("step", step, stepOff, 1), lr, beta1,
                beta2, eps);
    }

    public static IncrementLong incrementLong(IntBuf counter, int off) {
        return new IncrementLong(IntMat.vector("counter", counter, off, 2));
    }
}
