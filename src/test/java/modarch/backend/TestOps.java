package modarch.backend;

import modarch.backend.ops.AdamUpdate;
import modarch.backend.ops.BlockDotAccumulate;
import modarch.backend.ops.BceWithLogitsLoss;
import modarch.backend.ops.ClipGradNorm;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.CountCorrect;
import modarch.backend.ops.Fill;
import modarch.backend.ops.IncrementLong;
import modarch.backend.ops.L1Loss;
import modarch.backend.ops.OneHot;
import modarch.backend.ops.ReluBackward;
import modarch.backend.ops.ScaleBlocks;
import modarch.backend.ops.SoftmaxRows;
import modarch.backend.ops.SoftmaxRowsBackward;

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

    /** y and d (m, n) with row strides ldy and ldd. */
    public static ReluBackward reluBackward(int m, int n, FloatBuf y, int yOff, int ldy, FloatBuf d, int dOff,
                                            int ldd) {
        return new ReluBackward(new Mat("y", y, yOff, 1, 0, m, n, ldy), new Mat("d", d, dOff, 1, 0, m, n, ldd));
    }

    /** src and dst (m, blocks * w), scale (m, blocks), contiguous at their offsets. */
    public static ScaleBlocks scaleBlocks(int m, int blocks, int w, FloatBuf src, int srcOff, FloatBuf scale,
                                          int scaleOff, FloatBuf dst, int dstOff) {
        return new ScaleBlocks(Mat.of("src", src, srcOff, m, blocks * w), Mat.of("scale", scale, scaleOff, m, blocks),
                Mat.of("dst", dst, dstOff, m, blocks * w));
    }

    /** x and y (m, blocks * w), out (m, blocks), contiguous at their offsets. */
    public static BlockDotAccumulate blockDotAccumulate(int m, int blocks, int w, FloatBuf x, int xOff, FloatBuf y,
                                                        int yOff, FloatBuf out, int outOff) {
        return new BlockDotAccumulate(Mat.of("x", x, xOff, m, blocks * w), Mat.of("y", y, yOff, m, blocks * w),
                Mat.of("out", out, outOff, m, blocks));
    }

    public static SoftmaxRows softmaxRows(int m, int n, FloatBuf x, int xOff, FloatBuf y, int yOff) {
        return new SoftmaxRows(Mat.of("x", x, xOff, m, n), Mat.of("y", y, yOff, m, n));
    }

    public static SoftmaxRowsBackward softmaxRowsBackward(int m, int n, FloatBuf y, int yOff, FloatBuf dy, int dyOff,
                                                          FloatBuf dx, int dxOff) {
        return new SoftmaxRowsBackward(Mat.of("y", y, yOff, m, n), Mat.of("dy", dy, dyOff, m, n),
                Mat.of("dx", dx, dxOff, m, n));
    }

    /** index (n) at indexOff, out (n, classes) at outOff. */
    public static OneHot oneHot(int n, int classes, IntBuf index, int indexOff, FloatBuf out, int outOff) {
        return new OneHot(IntMat.vector("index", index, indexOff, n), Mat.of("out", out, outOff, n, classes));
    }

    /** batch items of x (m, n), item i at xOff + i * strideX with row stride ldx; sum's items of n at sumOff. */
    public static ColumnSumAccumulate columnSumAccumulate(int batch, int m, int n, FloatBuf x, int xOff, int ldx,
                                                          int strideX, FloatBuf sum, int sumOff, int strideSum) {
        return columnSumGrouped(1, 0, 0, batch, m, n, x, xOff, ldx, strideX, sum, sumOff, strideSum);
    }

    /** {@link #columnSumAccumulate} in groups, group g advanced by g times each group stride. */
    public static ColumnSumAccumulate columnSumGrouped(int groups, int groupStrideX, int groupStrideSum, int batch,
                                                       int m, int n, FloatBuf x, int xOff, int ldx, int strideX,
                                                       FloatBuf sum, int sumOff, int strideSum) {
        return new ColumnSumAccumulate(new Mat("x", x, xOff, batch, strideX, m, n, ldx),
                Mat.items("sum", sum, sumOff, batch, strideSum, n), groups, groupStrideX, groupStrideSum);
    }

    /** n values of x from off. */
    public static Fill fill(int n, float value, FloatBuf x, int off) {
        return new Fill(Mat.vector("x", x, off, n), value);
    }
}
