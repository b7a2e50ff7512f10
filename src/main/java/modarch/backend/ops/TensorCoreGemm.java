package modarch.backend.ops;

import modarch.backend.Precision;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelGeometry;

/**
 * A {@link Gemm} on tensor cores: gemm_tc.cu's gemm_tf32, one launch for every group and item, with the op's meaning
 * and epilogue and its inputs rounded to TF32 or split into two TF32 parts (3xTF32), as its precision says.
 * Its tile depends on nothing but the shape, so a replica's bits are the same in any group.
 */
final class TensorCoreGemm {
    /** gemm_tf32's code for op(A) and op(B) rounded to TF32 (cvt.rna), products summed in FP32. */
    private static final int TF32 = 1;
    /** Its code for CUTLASS's 3xTF32: per k step of 8, a_small b_big + a_big b_small + a_big b_big. */
    private static final int THREE_TF32 = 2;

    private TensorCoreGemm() {
    }

    /** Launches op, which has outputs to compute ({@link Gemm#launchesKernel}), at its precision, TF32 or 3xTF32. */
    static void launch(Gpu gpu, Gemm op) {
        int code = code(op.precision());
        long items = (long) op.groups().count() * op.c().batch();
        int tile = KernelGeometry.GEMM_TC_TILE;
        gpu.launch("gemm_tf32", Gpu.ceil(op.n(), tile), Gpu.ceil(op.m(), tile), (int) Math.min(items, Gpu.MAX_BLOCKS),
                KernelGeometry.GEMM_TC_THREADS, 0, op.args(gpu).i(code));
    }

    /** The tensor-core kernels' code for precision (gemm_tf32's and the segmented products' last argument). */
    static int code(Precision precision) {
        return switch (precision) {
            case TF32 -> TF32;
            case TF32X3 -> THREE_TF32;
            case FP32 -> throw new IllegalArgumentException("fp32 products have kernels of their own");
        };
    }
}
