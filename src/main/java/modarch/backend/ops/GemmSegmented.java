package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.Precision;
import modarch.backend.cpu.GemmKernel;
import modarch.backend.cpu.Parallel;
import modarch.backend.cpu.SegmentedGemm;
import modarch.backend.cuda.Gpu;

/**
 * A grouped product with a row count per module (the sparse dispatch's module layer): for each replica r and module
 * m, the slots {@code [starts[r][m], starts[r][m + 1])} of a (rep, slots, kdim) times module m's weight, into the same
 * slots of c (rep, slots, n): {@code c = act(a_seg . op(w_m) + bias_m)}, overwriting c. w_m starts at
 * {@code wOff + r * wRepStride + m * wModuleStride} and is stored (kdim, n) with row stride ldw, or (n, kdim) when
 * transW; bias_m (n), when bias is not null, at {@code biasOff + r * biasRepStride + m * biasModuleStride}. A module
 * without slots computes nothing. act is ReLU when relu. Each segment's product is {@link Gemm#item}'s in the op's
 * precision (the reference). On a CPU, one gemm of the backend per non-empty segment ({@link SegmentedGemm}: the
 * bounds are host memory); on the GPU, slot_dispatch.cu's gemm_segmented in FP32 and gemm_segmented_tf32 (tensor
 * cores) in TF32 and 3xTF32, whose blocks read their segment's bounds on the device, those whose tile lies past their
 * segment ending at once. Either kernel is chosen by the precision alone.
 */
public final class GemmSegmented implements Op {
    private final Segments shape;
    private final Precision precision;
    private final boolean transW;
    private final boolean relu;
    private final IntBuf startsBuf;
    private final IntMat starts;       // starts is (rep, R + 1)
    private final Mat a;               // a is (rep, slots, kdim)
    private final ModuleWeights w;     // w_m is (kdim, n), or (n, kdim) when transW
    private final Mat c;               // c is (rep, slots, n)
    private final ModuleWeights bias;  // bias_m is (n); null: none

    public GemmSegmented(int rep, int modules, IntBuf starts, int slots, boolean transW, int n, int kdim, FloatBuf a,
                         FloatBuf w, int wOff, int ldw, int wModuleStride, int wRepStride, FloatBuf c, FloatBuf bias,
                         int biasOff, int biasModuleStride, int biasRepStride, boolean relu, Precision precision) {
        this.precision = precision;
        this.shape = new Segments("gemmSegmented", rep, modules, slots, n, kdim);
        this.transW = transW;
        this.relu = relu;
        this.startsBuf = starts;
        this.starts = shape.starts(starts);
        this.a = shape.rows("a", a, kdim);
        this.w = ModuleWeights.of("w", w, wOff, rep, wRepStride, modules, wModuleStride, transW ? n : kdim,
                transW ? kdim : n, ldw);
        this.c = shape.rows("c", c, n);
        this.bias = shape.bias("bias", bias, biasOff, biasModuleStride, biasRepStride);
    }

    @Override
    public void reference(Parallel pool) {
        runOn(Gemm::item);
    }

    /** The segments' products, each by gemm. */
    public void runOn(GemmKernel gemm) {
        Mat w0 = w.first();
        SegmentedGemm.forward(gemm, precision, shape.rep(), shape.modules(), startsBuf, shape.slots(), transW, shape.n(),
                shape.kdim(), a.buf(), w0.buf(), w0.off(), w0.ld(), w0.stride(), w.repStride(), c.buf(),
                bias == null ? null : bias.first().buf(), bias == null ? 0 : bias.first().off(),
                bias == null ? 0 : bias.first().stride(), bias == null ? 0 : bias.repStride(), relu);
    }

    @Override
    public void launch(Gpu gpu) {
        if (shape.rep() == 0 || shape.slots() == 0 || shape.n() == 0) return;
        Mat w0 = w.first();
        shape.launch(gpu, "gemm_segmented", precision,
                Math.min(Gpu.ceil(shape.slots(), Segments.tile(precision)), Gpu.MAX_BLOCKS),
                shape.args(gpu, starts).i(shape.slots()).flag(transW).i(shape.n()).i(shape.kdim()).ptr(gpu.at(a))
                        .ptr(shape.at(gpu, w)).i(w0.ld()).i(w0.stride()).i(w.repStride()).ptr(gpu.at(c))
                        .ptr(shape.at(gpu, bias)).i(bias == null ? 0 : bias.first().stride())
                        .i(bias == null ? 0 : bias.repStride()).flag(relu));
    }
}
