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
 * The gate-weighted sum of each row's k module outputs, overwriting out (rep, rows, width):
 * {@code out[r][row] = sum_j gates[r][row][m_j] * values[r][rowSlots[r][row][j]]} in j order, m_j the module of that
 * slot ({@code pairs % R}); values is (rep, rows * k, width), gates (rep, rows, R). On the GPU: slot_dispatch.cu's
 * combine_slots, one thread per element of out.
 */
public final class CombineSlots implements Op {
    private final Dispatch shape;
    private final int width;
    private final IntMat pairs;    // pairs is (rep, rows * k)
    private final IntMat rowSlots; // rowSlots is (rep, rows, k)
    private final Mat gates;       // gates is (rep, rows, R)
    private final Mat values;      // values is (rep, rows * k, width)
    private final Mat out;         // out is (rep, rows, width)

    public CombineSlots(int rep, int rows, int modules, int k, int width, IntBuf pairs, IntBuf rowSlots,
                        FloatBuf gates, FloatBuf values, FloatBuf out) {
        this.shape = new Dispatch("combineSlots", rep, rows, modules, k);
        this.width = shape.width(width);
        this.pairs = shape.perSlot("pairs", pairs);
        this.rowSlots = shape.perSlot("rowSlots", rowSlots);
        this.gates = shape.perModule("gates", gates);
        this.values = shape.perSlot("values", values, width);
        this.out = shape.perRow("out", out, width, false);
    }

    @Override
    public void reference(Parallel pool) {
        int[] pairs = Host.ints(this.pairs), rowSlots = Host.ints(this.rowSlots);
        float[] gates = Host.floats(this.gates), values = Host.floats(this.values), out = Host.floats(this.out);
        int rows = shape.rows(), modules = shape.modules(), k = shape.k(), slots = shape.slots();
        for (int r = 0; r < shape.rep(); r++) {
            for (int row = 0; row < rows; row++) {
                int to = (r * rows + row) * width;
                java.util.Arrays.fill(out, to, to + width, 0f);
                for (int j = 0; j < k; j++) {
                    int slot = rowSlots[(r * rows + row) * k + j];
                    float gate = gates[(r * rows + row) * modules + pairs[r * slots + slot] % modules];
                    int from = (r * slots + slot) * width;
                    for (int c = 0; c < width; c++) out[to + c] += gate * values[from + c];
                }
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        gpu.launch1d("combine_slots", (long) shape.rep() * shape.rows() * width, KernelArgs.of().i(shape.rep())
                .i(shape.rows()).i(shape.modules()).i(shape.k()).i(width).ptr(gpu.at(pairs)).ptr(gpu.at(rowSlots))
                .ptr(gpu.at(gates)).ptr(gpu.at(values)).ptr(gpu.at(out)));
    }
}
