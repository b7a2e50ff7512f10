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
 * The adjoint of {@link GatherSlots}, overwriting dst: when perModule, dst (rep, rows, R, width) gets the slot's row at
 * each chosen (row, module) block and 0 at the others; else dst (rep, rows, width) gets the sum of the row's k slots,
 * in the order of its chosen modules (rowSlots (rep, rows, k)). src is (rep, rows * k, width). On the GPU:
 * slot_dispatch.cu's scatter_slots, one thread per element of dst.
 */
public final class ScatterSlots implements Op {
    private final Dispatch shape;
    private final int width;
    private final boolean perModule;
    private final IntMat pairs;    // pairs is (rep, rows * k)
    private final IntMat rowSlots; // rowSlots is (rep, rows, k)
    private final Mat src;         // src is (rep, rows * k, width)
    private final Mat dst;         // dst is (rep, rows, [R,] width)

    public ScatterSlots(int rep, int rows, int modules, int k, int width, boolean perModule, IntBuf pairs,
                        IntBuf rowSlots, FloatBuf src, FloatBuf dst) {
        this.shape = new Dispatch("scatterSlots", rep, rows, modules, k);
        this.width = shape.width(width);
        this.perModule = perModule;
        this.pairs = shape.perSlot("pairs", pairs);
        this.rowSlots = shape.perSlot("rowSlots", rowSlots);
        this.src = shape.perSlot("src", src, width);
        this.dst = shape.perRow("dst", dst, width, perModule);
    }

    @Override
    public void reference(Parallel pool) {
        int[] pairs = Host.ints(this.pairs), rowSlots = Host.ints(this.rowSlots);
        float[] src = Host.floats(this.src), dst = Host.floats(this.dst);
        int rows = shape.rows(), modules = shape.modules(), k = shape.k(), slots = shape.slots();
        int rowWidth = (perModule ? modules : 1) * width;
        for (int r = 0; r < shape.rep(); r++) {
            for (int row = 0; row < rows; row++) {
                int out = (r * rows + row) * rowWidth;
                java.util.Arrays.fill(dst, out, out + rowWidth, 0f);
                for (int j = 0; j < k; j++) {
                    int slot = rowSlots[(r * rows + row) * k + j];
                    int from = (r * slots + slot) * width;
                    int to = perModule ? out + pairs[r * slots + slot] % modules * width : out;
                    for (int c = 0; c < width; c++) dst[to + c] += src[from + c];
                }
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        long dstSize = (long) shape.rep() * shape.rows() * (perModule ? shape.modules() : 1) * width;
        gpu.launch1d("scatter_slots", dstSize, KernelArgs.of().i(shape.rep()).i(shape.rows()).i(shape.modules())
                .i(shape.k()).i(width).flag(perModule).ptr(gpu.at(pairs)).ptr(gpu.at(rowSlots)).ptr(gpu.at(src))
                .ptr(gpu.at(dst)));
    }
}
