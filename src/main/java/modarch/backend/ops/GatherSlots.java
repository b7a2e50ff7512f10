package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * Gathers the dispatched rows, every replica r with slots = rows * k slots of width floats:
 * {@code dst[r][s] = src[r][pairs[r][s]]} when perModule (src (rep, rows, R, width): one block per (row, module)),
 * else {@code src[r][pairs[r][s] / R]} (src (rep, rows, width): one row for every module); dst is
 * (rep, slots, width). On the GPU: slot_dispatch.cu's gather_slots, one thread per element of dst.
 */
public final class GatherSlots implements Op {
    private final Dispatch shape;
    private final int width;
    private final boolean perModule;
    private final IntMat pairs; // pairs is (rep, rows * k)
    private final Mat src;      // src is (rep, rows, [R,] width)
    private final Mat dst;      // dst is (rep, rows * k, width)

    public GatherSlots(int rep, int rows, int modules, int k, int width, boolean perModule, IntBuf pairs, FloatBuf src,
                       FloatBuf dst) {
        this.shape = new Dispatch("gatherSlots", rep, rows, modules, k);
        this.width = shape.width(width);
        this.perModule = perModule;
        this.pairs = shape.perSlot("pairs", pairs);
        this.src = shape.perRow("src", src, width, perModule);
        this.dst = shape.perSlot("dst", dst, width);
    }

    @Override
    public void reference(Parallel pool) {
        int[] pairs = Host.ints(this.pairs);
        float[] src = Host.floats(this.src), dst = Host.floats(this.dst);
        int modules = shape.modules(), slots = shape.slots();
        int srcStride = shape.rows() * (perModule ? modules : 1) * width;
        for (int r = 0; r < shape.rep(); r++) {
            for (int s = 0; s < slots; s++) {
                int pair = pairs[r * slots + s];
                int block = perModule ? pair : pair / modules;
                System.arraycopy(src, r * srcStride + block * width, dst, (r * slots + s) * width, width);
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("gather_slots", (long) shape.rep() * shape.slots() * width, KernelArgs.of().i(shape.rep())
                .i(shape.rows()).i(shape.modules()).i(shape.k()).i(width).flag(perModule).ptr(gpu.at(pairs))
                .ptr(gpu.at(src)).ptr(gpu.at(dst)));
    }
}
