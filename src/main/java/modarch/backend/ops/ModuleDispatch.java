package modarch.backend.ops;

import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * The sparse dispatch's permutation, per replica r of rows rows, each with k chosen modules of R
 * ({@code chosen (rep, rows, k)}, increasing per row): the rows * k (row, module) pairs ordered by module and, within a
 * module, by row (a stable counting sort). slot s of replica r holds {@code pairs[r][s] = row * R + module}; module
 * m's slots are {@code [starts[r][m], starts[r][m + 1])} (starts is (rep, R + 1), starts[r][0] = 0);
 * {@code rowSlots[r][row][j]} (rep, rows, k) is the slot of the row's j-th chosen module. On the GPU:
 * slot_dispatch.cu's module_dispatch, one block per replica, a warp per module counting, then placing, its rows by
 * ballot.
 */
public final class ModuleDispatch implements Op {
    private final Dispatch shape;
    private final IntMat chosen;   // chosen is (rep, rows, k)
    private final IntMat pairs;    // pairs is (rep, rows * k)
    private final IntMat starts;   // starts is (rep, R + 1)
    private final IntMat rowSlots; // rowSlots is (rep, rows, k)

    public ModuleDispatch(int rep, int rows, int modules, int k, IntBuf chosen, IntBuf pairs, IntBuf starts,
                          IntBuf rowSlots) {
        this.shape = new Dispatch("moduleDispatch", rep, rows, modules, k);
        this.chosen = shape.perSlot("chosen", chosen);
        this.pairs = shape.perSlot("pairs", pairs);
        this.starts = IntMat.of("starts", starts, 0, rep, modules + 1);
        this.rowSlots = shape.perSlot("rowSlots", rowSlots);
    }

    /** The rows per replica this op dispatches. */
    public int rows() {
        return shape.rows();
    }

    @Override
    public void reference(Parallel pool) {
        int[] chosen = Host.ints(this.chosen), pairs = Host.ints(this.pairs), starts = Host.ints(this.starts);
        int[] rowSlots = Host.ints(this.rowSlots);
        int rows = shape.rows(), modules = shape.modules(), k = shape.k(), slots = shape.slots();
        for (int r = 0; r < shape.rep(); r++) {
            int first = r * slots;   // the replica's first (row, j) in chosen and rowSlots, and its first slot
            int bounds = r * (modules + 1);
            java.util.Arrays.fill(starts, bounds, bounds + modules + 1, 0);
            for (int i = 0; i < slots; i++) starts[bounds + chosen[first + i] + 1]++;
            for (int m = 0; m < modules; m++) starts[bounds + m + 1] += starts[bounds + m];
            // module m's next free slot, kept in starts[m] while filling, then moved back
            for (int row = 0; row < rows; row++) {
                for (int j = 0; j < k; j++) {
                    int module = chosen[first + row * k + j];
                    int slot = starts[bounds + module]++;
                    pairs[first + slot] = row * modules + module;
                    rowSlots[first + row * k + j] = slot;
                }
            }
            for (int m = modules; m > 0; m--) starts[bounds + m] = starts[bounds + m - 1];
            starts[bounds] = 0;
        }
    }

    @Override
    public void launch(Gpu gpu) {
        int rep = shape.rep();
        if (rep == 0) return;
        gpu.launch("module_dispatch", Math.min(rep, Gpu.MAX_BLOCKS), 1, 1, KernelGeometry.SLOT_THREADS, 0,
                KernelArgs.of().i(rep).i(shape.rows()).i(shape.modules()).i(shape.k()).ptr(gpu.at(chosen))
                        .ptr(gpu.at(pairs)).ptr(gpu.at(starts)).ptr(gpu.at(rowSlots)));
    }
}
