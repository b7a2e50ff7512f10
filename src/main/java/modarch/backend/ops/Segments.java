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
 * (column tiles, row or kdim tiles, replica x module) of slot_dispatch.cu, SEG_TILE a side.
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

    void launch(Gpu gpu, String kernel, int gridY, KernelArgs args) {
        gpu.launch(kernel, Gpu.ceil(n, KernelGeometry.SEG_TILE), gridY, Math.min(rep * modules, Gpu.MAX_BLOCKS),
                KernelGeometry.SLOT_THREADS, 0, args);
    }

    /** The segmented kernels compute in FP32 only: any other precision is refused before a launch. */
    void requireFp32OnDevice(Precision precision) {
        if (precision != Precision.FP32) {
            throw new UnsupportedOperationException(op + " in " + precision + " has no CUDA kernel yet: top-k routing"
                    + " runs in fp32 on a GPU");
        }
    }
}
