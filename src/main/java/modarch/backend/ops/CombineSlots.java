package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;

/**
 * The gate-weighted sum of each row's k module outputs, overwriting out (rep, rows, width):
 * {@code out[r][row] = sum_j gates[r][row][m_j] * values[r][rowSlots[r][row][j]]} in j order, m_j the module of that
 * slot ({@code pairs % R}); values is (rep, rows * k, width), gates (rep, rows, R). On the GPU: slot_dispatch.cu's
 * combine_slots, one thread per element of out.
 */
public final class CombineSlots implements Op {
    private final SlotCombination in;
    private final Mat out;         // out is (rep, rows, width)

    public CombineSlots(int rep, int rows, int modules, int k, int width, IntBuf pairs, IntBuf rowSlots,
                        FloatBuf gates, FloatBuf values, FloatBuf out) {
        this.in = SlotCombination.of("combineSlots", rep, rows, modules, k, width, pairs, rowSlots, gates, values);
        this.out = in.shape().perRow("out", out, width, false);
    }

    @Override
    public void reference(Parallel pool) {
        Dispatch shape = in.shape();
        int width = in.width();
        int[] pairs = Host.ints(in.pairs()), rowSlots = Host.ints(in.rowSlots());
        float[] gates = Host.floats(in.gates()), values = Host.floats(in.values()), out = Host.floats(this.out);
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
        gpu.launch1d("combine_slots", (long) in.shape().rep() * in.shape().rows() * in.width(),
                in.args(gpu).ptr(gpu.at(out)));
    }
}
