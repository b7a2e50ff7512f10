package modarch.backend.ops;

import modarch.backend.Precision;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * A {@link Gemm} on tensor cores: gemm_tc.cu's gemm_tf32, one launch for every group and item, with the op's meaning
 * and epilogue and its inputs rounded to TF32 ({@link #TF32}) or split into two TF32 parts ({@link #THREE_TF32}).
 * Its tile depends on nothing but the shape, so a replica's bits are the same in any group.
 */
public final class TensorCoreGemm {
    /** op(A) and op(B) rounded to TF32 (cvt.rna: to nearest, ties away from zero), products summed in FP32. */
    public static final int TF32 = 1;
    /** CUTLASS's 3xTF32: x = big + small, both TF32; per k step of 8, a_small b_big + a_big b_small + a_big b_big. */
    public static final int THREE_TF32 = 2;

    private TensorCoreGemm() {
    }

    /** The kernel's code of a precision other than FP32. */
    public static int code(Precision precision) {
        return switch (precision) {
            case TF32 -> TF32;
            case TF32X3 -> THREE_TF32;
            case FP32 -> throw new IllegalArgumentException("fp32 products run gemm_small or gemm_tiled");
        };
    }

    /** Launches op at precision ({@link #TF32} or {@link #THREE_TF32}). */
    public static void launch(Gpu gpu, Gemm op, int precision) {
        if (precision != TF32 && precision != THREE_TF32) {
            throw new IllegalArgumentException("tensor-core gemm: precision " + precision + " is neither TF32 (1) nor "
                    + "3xTF32 (2)");
        }
        long items = (long) op.groups().count() * op.c().batch();
        if (items <= 0 || op.m() <= 0 || op.n() <= 0) return;
        KernelArgs args = op.args(gpu).i(precision);
        int tile = KernelGeometry.GEMM_TC_TILE;
        gpu.launch("gemm_tf32", Gpu.ceil(op.n(), tile), Gpu.ceil(op.m(), tile), (int) Math.min(items, Gpu.MAX_BLOCKS),
                KernelGeometry.GEMM_TC_THREADS, 0, args);
    }
}
