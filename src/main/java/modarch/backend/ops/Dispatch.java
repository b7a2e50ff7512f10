package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.IntBuf;
import modarch.backend.IntMat;
import modarch.backend.Mat;

/**
 * The shape of top-k routing's sparse dispatch, shared by its ops: rep replicas of rows rows, each row with k chosen
 * modules of R (1 <= k <= R); a slot is one (row, module) pair of a replica, slots = rows * k of them, and a pair is
 * {@code row * R + module}, in 31 bits. The views it makes are checked against their buffers when an op is built.
 */
record Dispatch(String op, int rep, int rows, int modules, int k) {
    Dispatch {
        if (rep < 0 || rows < 0 || modules < 1 || k < 1 || k > modules) {
            throw new IllegalArgumentException(op + " of " + rep + " replicas of " + rows + " rows, top " + k + " of "
                    + modules + " modules: k must be 1 to R, the others not negative");
        }
        if ((long) rows * modules > Integer.MAX_VALUE || (long) rep * rows * k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + " of " + rep + " replicas of " + rows + " rows, top " + k + " of "
                    + modules + " modules: more (row, module) pairs than 2^31 - 1");
        }
    }

    /** Slots per replica. */
    int slots() {
        return rows * k;
    }

    /** An int per slot of every replica (rep, rows * k): pairs, rowSlots, chosen. */
    IntMat perSlot(String name, IntBuf buf) {
        return IntMat.vector(name, buf, 0, rep * slots());
    }

    /** width floats per slot of every replica (rep, rows * k, width). */
    Mat perSlot(String name, FloatBuf buf, int width) {
        return Mat.of(name, buf, 0, rep * slots(), width);
    }

    /** width floats per row of every replica, times R when perModule: (rep, rows, [R,] width). */
    Mat perRow(String name, FloatBuf buf, int width, boolean perModule) {
        return Mat.of(name, buf, 0, rep * rows, (perModule ? modules : 1) * width);
    }

    /** (rep, rows, R): the gates and their gradient. */
    Mat perModule(String name, FloatBuf buf) {
        return Mat.of(name, buf, 0, rep * rows, modules);
    }

    /** width must not be negative. */
    int width(int width) {
        if (width < 0) throw new IllegalArgumentException(op + " of width " + width);
        return width;
    }
}
