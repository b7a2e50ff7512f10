package modarch.backend;

import modarch.backend.ops.AdamUpdate;
import modarch.backend.ops.BlockDotAccumulate;
import modarch.backend.ops.BceWithLogitsLoss;
import modarch.backend.ops.ClipGradNorm;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.CountCorrect;
import modarch.backend.ops.Fill;
import modarch.backend.ops.Gemm;
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

    /** The old positional gemmGrouped: groups of batched products with the operands' group strides. */
    public static Gemm gemmGrouped(int groups, int groupStrideA, int groupStrideB, int groupStrideC,
                                   int groupStrideBias, int batch, boolean transA, boolean transB, int m, int n, int k,
                                   FloatBuf a, int aOff, int lda, int strideA, FloatBuf b, int bOff, int ldb,
                                   int strideB, FloatBuf c, int cOff, int ldc, int strideC, boolean accumulate,
                                   FloatBuf bias, int biasOff, int strideBias, boolean relu) {
        Mat av = new Mat("a", a, aOff, batch, strideA, transA ? k : m, transA ? m : k, lda);
        Mat bv = new Mat("b", b, bOff, batch, strideB, transB ? n : k, transB ? k : n, ldb);
        Mat cv = new Mat("c", c, cOff, batch, strideC, m, n, ldc);
        return Gemm.of(av, transA, bv, transB, cv).accumulate(accumulate).relu(relu)
                .bias(bias == null ? null : Mat.items("bias", bias, biasOff, batch, strideBias, n))
                .groups(new Gemm.Groups(groups, groupStrideA, groupStrideB, groupStrideC, groupStrideBias));
    }

    /** One group of batch products, each operand's items stride apart. */
    public static Gemm gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, FloatBuf a, int aOff,
                                   int lda, int strideA, FloatBuf b, int bOff, int ldb, int strideB, FloatBuf c,
                                   int cOff, int ldc, int strideC, boolean accumulate, FloatBuf bias, int biasOff,
                                   int strideBias, boolean relu) {
        return gemmGrouped(1, 0, 0, 0, 0, batch, transA, transB, m, n, k, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                c, cOff, ldc, strideC, accumulate, bias, biasOff, strideBias, relu);
    }

    /** One product. */
    public static Gemm gemm(boolean transA, boolean transB, int m, int n, int k, FloatBuf a, int aOff, int lda,
                            FloatBuf b, int bOff, int ldb, FloatBuf c, int cOff, int ldc, boolean accumulate,
                            FloatBuf bias, int biasOff, boolean relu) {
        return gemmBatched(1, transA, transB, m, n, k, a, aOff, lda, 0, b, bOff, ldb, 0, c, cOff, ldc, 0, accumulate,
                bias, biasOff, 0, relu);
    }

    /** The old positional copyGrouped: groups of batch (m, n) blocks copied, or added when add. */
    public static CopyBlocks copyGrouped(int groups, int groupStrideSrc, int groupStrideDst, int batch, int m, int n,
                                         FloatBuf src, int srcOff, int lds, int strideSrc, FloatBuf dst, int dstOff,
                                         int ldd, int strideDst, boolean add) {
        return new CopyBlocks(new Mat("src", src, srcOff, batch, strideSrc, m, n, lds),
                new Mat("dst", dst, dstOff, batch, strideDst, m, n, ldd), add, groups, groupStrideSrc, groupStrideDst);
    }

    public static CopyBlocks copy(int batch, int m, int n, FloatBuf src, int srcOff, int lds, int strideSrc,
                                  FloatBuf dst, int dstOff, int ldd, int strideDst) {
        return copyGrouped(1, 0, 0, batch, m, n, src, srcOff, lds, strideSrc, dst, dstOff, ldd, strideDst, false);
    }

    public static CopyBlocks addInto(int batch, int m, int n, FloatBuf src, int srcOff, int lds, int strideSrc,
                                     FloatBuf dst, int dstOff, int ldd, int strideDst) {
        return copyGrouped(1, 0, 0, batch, m, n, src, srcOff, lds, strideSrc, dst, dstOff, ldd, strideDst, true);
    }
}
