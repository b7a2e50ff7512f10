package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;

/**
 * The operands {@link CombineSlots} and its backward share: each row's k slots (rowSlots), the (row, module) pair
 * of every slot, the gates and the slots' values of width floats.
 */
record SlotCombination(Dispatch shape, int width, IntMat pairs, IntMat rowSlots, Mat gates, Mat values) {
    // pairs is (rep, rows * k), rowSlots (rep, rows, k), gates (rep, rows, R), values (rep, rows * k, width)

    static SlotCombination of(String op, int rep, int rows, int modules, int k, int width, IntBuf pairs,
                              IntBuf rowSlots, FloatBuf gates, FloatBuf values) {
        Dispatch shape = new Dispatch(op, rep, rows, modules, k);
        int checkedWidth = shape.width(width);
        return new SlotCombination(shape, checkedWidth, shape.perSlot("pairs", pairs),
                shape.perSlot("rowSlots", rowSlots), shape.perModule("gates", gates),
                shape.perSlot("values", values, checkedWidth));
    }

    /** The kernels' leading arguments: the sizes, then pairs, rowSlots, gates and values. */
    KernelArgs args(Gpu gpu) {
        return KernelArgs.of().i(shape.rep()).i(shape.rows()).i(shape.modules()).i(shape.k()).i(width)
                .ptr(gpu.at(pairs)).ptr(gpu.at(rowSlots)).ptr(gpu.at(gates)).ptr(gpu.at(values));
    }
}
