package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * The shape the segmented products share: for each of rep replicas, slots rows grouped by module, module m's at
 * {@code [starts[r][m], starts[r][m + 1])} (starts (rep, R + 1)); products from kdim to n columns. One launch over
 * (column tiles, row or kdim tiles, replica x module) of slot_dispatch.cu: in FP32, tiles of SEG_TILE; in TF32 and
 * 3xTF32, the tensor-core kernels' tiles of GEMM_TC_TILE.
 */
record Segments(String op, int rep, int modules, int slots, int n, int kdim) {
    Segments {
        if (rep < 0 || modules < 1 || slots < 0 || n < 0 || kdim < 0 || (long) rep * modules > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + " of " + rep + " replicas of " + slots + " slots over " + modules
                    + " modules, " + kdim + " to " + n + " columns: at least one module, nothing negative");
        }
    }

    IntMat starts(IntBuf starts) {
        return IntMat.of("starts", starts, 0, rep, modules + 1);
    }

    /** (rep, slots, width) from the buffer's start. */
    Mat rows(String name, FloatBuf buf, int width) {
        return Mat.of(name, buf, 0, rep * slots, width);
    }

    /** Each module's (1, n) bias of every replica, as w's (null for none). */
    ModuleWeights bias(String name, FloatBuf buf, int off, int moduleStride, int repStride) {
        return ModuleWeights.of(name, buf, off, rep, repStride, modules, moduleStride, 1, n, n);
    }

    /** The kernels' (rep, modules, starts) head. */
    KernelArgs args(Gpu gpu, IntMat starts) {
        return KernelArgs.of().i(rep).i(modules).ptr(gpu.at(starts));
    }

    long at(Gpu gpu, ModuleWeights weights) {
        return weights == null ? 0 : gpu.at(weights.first(), weights.span());
    }

    /** The side of a block's square tile in precision: the FP32 kernels' SEG_TILE, or the tensor cores' tile. */
    static int tile(Precision precision) {
        return precision == Precision.FP32 ? KernelGeometry.SEG_TILE : KernelGeometry.GEMM_TC_TILE;
    }

    /**
     * Launches kernel in precision: itself in FP32 (SLOT_THREADS a block), else its tensor-core version kernel_tf32
     * (GEMM_TC_THREADS, the precision's code after args); grid (column tiles of {@link #tile}, gridY, items).
     */
    void launch(Gpu gpu, String kernel, Precision precision, int gridY, KernelArgs args) {
        int gridX = Gpu.ceil(n, tile(precision)), gridZ = Math.min(rep * modules, Gpu.MAX_BLOCKS);
        if (precision == Precision.FP32) {
            gpu.launch(kernel, gridX, gridY, gridZ, KernelGeometry.SLOT_THREADS, 0, args);
        } else {
            gpu.launch(kernel + "_tf32", gridX, gridY, gridZ, KernelGeometry.GEMM_TC_THREADS, 0,
                    args.i(TensorCoreGemm.code(precision)));
        }
    }
}
