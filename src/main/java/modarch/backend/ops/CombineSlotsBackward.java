package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;

/**
 * {@link CombineSlots} backward, overwriting both outputs: {@code gradValues[r][s] = gate * gradOut[r][row]} for the
 * slot s of (row, m), and {@code gradGates[r][row][m] = gradOut[r][row] . values[r][s]} (dot product in increasing
 * column order) at the row's chosen modules, 0 at the others. gradOut is (rep, rows, width), gradValues (rep,
 * rows * k, width), gradGates (rep, rows, R). On the GPU: slot_dispatch.cu's combine_slots_backward, one 1-D launch:
 * a thread per element of gradValues, then one per element of gradGates.
 */
public final class CombineSlotsBackward implements Op {
    private final SlotCombination in;
    private final Mat gradOut;      // gradOut is (rep, rows, width)
    private final Mat gradValues;   // gradValues is (rep, rows * k, width)
    private final Mat gradGates;    // gradGates is (rep, rows, R)

    public CombineSlotsBackward(int rep, int rows, int modules, int k, int width, IntBuf pairs, IntBuf rowSlots,
                                FloatBuf gates, FloatBuf values, FloatBuf gradOut, FloatBuf gradValues,
                                FloatBuf gradGates) {
        this.in = SlotCombination.of("combineSlotsBackward", rep, rows, modules, k, width, pairs, rowSlots, gates,
                values);
        this.gradOut = in.shape().perRow("gradOut", gradOut, width, false);
        this.gradValues = in.shape().perSlot("gradValues", gradValues, width);
        this.gradGates = in.shape().perModule("gradGates", gradGates);
    }

    @Override
    public void reference(Parallel pool) {
        Dispatch shape = in.shape();
        int width = in.width();
        int[] pairs = Host.ints(in.pairs()), rowSlots = Host.ints(in.rowSlots());
        float[] gates = Host.floats(in.gates()), values = Host.floats(in.values()), gradOut = Host.floats(this.gradOut);
        float[] gradValues = Host.floats(this.gradValues), gradGates = Host.floats(this.gradGates);
        int rows = shape.rows(), modules = shape.modules(), k = shape.k(), slots = shape.slots();
        for (int r = 0; r < shape.rep(); r++) {
            for (int row = 0; row < rows; row++) {
                int gateRow = (r * rows + row) * modules;
                java.util.Arrays.fill(gradGates, gateRow, gateRow + modules, 0f);
                int dy = (r * rows + row) * width;
                for (int j = 0; j < k; j++) {
                    int slot = rowSlots[(r * rows + row) * k + j];
                    int module = pairs[r * slots + slot] % modules;
                    float gate = gates[gateRow + module];
                    int at = (r * slots + slot) * width;
                    float dot = 0f;
                    for (int c = 0; c < width; c++) {
                        gradValues[at + c] = gate * gradOut[dy + c];
                        dot += gradOut[dy + c] * values[at + c];
                    }
                    gradGates[gateRow + module] = dot;
                }
            }
        }
    }

    @Override
    public void launch(Gpu gpu) {
        Dispatch shape = in.shape();
        long all = (long) shape.rep() * shape.slots() * in.width(),
                gateSize = (long) shape.rep() * shape.rows() * shape.modules();
        gpu.launch1d("combine_slots_backward", all + gateSize, in.args(gpu).ptr(gpu.at(gradOut)).ptr(gpu.at(gradValues))
                .ptr(gpu.at(gradGates)));
    }
}
