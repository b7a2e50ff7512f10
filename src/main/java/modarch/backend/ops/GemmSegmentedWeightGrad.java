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
 * The weight gradient of {@link GemmSegmented} (not transW): {@code gw_m (kdim, n) += a_seg^T . d_seg} and, when gb
 * is not null, {@code gb_m (n) += sum over the segment's rows of d_seg}, every replica and module; a (rep, slots,
 * kdim), d (rep, slots, n); gw_m and gb_m are addressed like w_m and bias_m there. A module without slots adds
 * nothing. The product is {@link Gemm#item}'s in the op's precision, summed over the segment's rows from its first;
 * the bias gradient is FP32 in any precision. On a CPU, the backend's gemm and column sums per non-empty segment
 * ({@link SegmentedGemm}); on the GPU, slot_dispatch.cu's gemm_segmented_weight_grad in FP32 and
 * gemm_segmented_weight_grad_tf32 (tensor cores) in TF32 and 3xTF32, each block walking its segment's rows in order
 * (deterministic, no atomics), the first kdim tile's blocks also summing the bias gradient.
 */
public final class GemmSegmentedWeightGrad implements Op {
    private final Segments shape;
    private final Precision precision;
    private final IntBuf startsBuf;
    private final IntMat starts;    // starts is (rep, R + 1)
    private final Mat a;            // a is (rep, slots, kdim)
    private final Mat d;            // d is (rep, slots, n)
    private final ModuleWeights gw; // gw_m is (kdim, n)
    private final ModuleWeights gb; // gb_m is (n); null: none

    public GemmSegmentedWeightGrad(int rep, int modules, IntBuf starts, int slots, int n, int kdim, FloatBuf a,
                                   FloatBuf d, FloatBuf gw, int wOff, int ldw, int wModuleStride, int wRepStride,
                                   FloatBuf gb, int biasOff, int biasModuleStride, int biasRepStride, Precision precision) {
        this.precision = precision;
        this.shape = new Segments("gemmSegmentedWeightGrad", rep, modules, slots, n, kdim);
        this.startsBuf = starts;
        this.starts = shape.starts(starts);
        this.a = shape.rows("a", a, kdim);
        this.d = shape.rows("d", d, n);
        this.gw = ModuleWeights.of("gw", gw, wOff, rep, wRepStride, modules, wModuleStride, kdim, n, ldw);
        this.gb = shape.bias("gb", gb, biasOff, biasModuleStride, biasRepStride);
    }

    @Override
    public void reference(Parallel pool) {
        runOn(Gemm::item);
    }

    /** The segments' products, each by gemm. */
    public void runOn(GemmKernel gemm) {
        Mat gw0 = gw.first();
        SegmentedGemm.weightGrad(gemm, precision, shape.rep(), shape.modules(), startsBuf, shape.slots(), shape.n(),
                shape.kdim(), a.buf(), d.buf(), gw0.buf(), gw0.off(), gw0.ld(), gw0.stride(), gw.repStride(),
                gb == null ? null : gb.first().buf(), gb == null ? 0 : gb.first().off(),
                gb == null ? 0 : gb.first().stride(), gb == null ? 0 : gb.repStride());
    }

    @Override
    public void launch(Gpu gpu) {
        if (shape.rep() == 0 || shape.slots() == 0 || shape.n() == 0 || (shape.kdim() == 0 && gb == null)) return;
        Mat gw0 = gw.first();
        shape.launch(gpu, "gemm_segmented_weight_grad", precision,
                Math.max(1, Gpu.ceil(shape.kdim(), Segments.tile(precision))),
                shape.args(gpu, starts).i(shape.slots()).i(shape.n()).i(shape.kdim()).ptr(gpu.at(a)).ptr(gpu.at(d))
                        .ptr(shape.at(gpu, gw)).i(gw0.ld()).i(gw0.stride()).i(gw.repStride()).ptr(shape.at(gpu, gb))
                        .i(gb == null ? 0 : gb.first().stride()).i(gb == null ? 0 : gb.repStride()));
    }
}
