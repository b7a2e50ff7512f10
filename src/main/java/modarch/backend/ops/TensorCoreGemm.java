package modarch.backend.ops;

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

    /** Launches op at precision ({@link #TF32} or {@link #THREE_TF32}). */
    public static void launch(Gpu gpu, Gemm op, int precision) {
        if (precision != TF32 && precision != THREE_TF32) {
            throw new IllegalArgumentException("tensor-core gemm: precision " + precision + " is neither TF32 (1) nor "
                    + "3xTF32 (2)");
        }
        Gemm.Groups groups = op.groups();
        long items = (long) groups.count() * op.c().batch();
        if (items <= 0 || op.m() <= 0 || op.n() <= 0) return;
        KernelArgs args = KernelArgs.of().i(groups.count()).i(op.c().batch()).flag(op.transA()).flag(op.transB())
                .i(op.m()).i(op.n()).i(op.k())
                .ptr(gpu.at(op.a(), Shapes.groupedSpan(op.a(), groups.count(), groups.strideA()))).i(op.a().ld())
                .i(op.a().stride()).i(groups.strideA())
                .ptr(gpu.at(op.b(), Shapes.groupedSpan(op.b(), groups.count(), groups.strideB()))).i(op.b().ld())
                .i(op.b().stride()).i(groups.strideB())
                .ptr(gpu.at(op.c(), Shapes.groupedSpan(op.c(), groups.count(), groups.strideC()))).i(op.c().ld())
                .i(op.c().stride()).i(groups.strideC())
                .flag(op.accumulate())
                .ptr(op.bias() == null ? 0
                        : gpu.at(op.bias(), Shapes.groupedSpan(op.bias(), groups.count(), groups.strideBias())))
                .i(op.bias() == null ? 0 : op.bias().stride()).i(groups.strideBias()).flag(op.relu())
                .i(precision);
        int tile = KernelGeometry.GEMM_TC_TILE;
        gpu.launch("gemm_tf32", Gpu.ceil(op.n(), tile), Gpu.ceil(op.m(), tile), (int) Math.min(items, Gpu.MAX_BLOCKS),
                KernelGeometry.GEMM_TC_THREADS, 0, args);
    }
}
