package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * The shape the two LSTM step ops share: rows [row0, row0 + rows) of every replica's rowsPerReplica rows, R modules of
 * h hidden units. A per-row tensor of width w holds rowsPerReplica rows per replica, replica r's block at
 * r * rowsPerReplica * w; the step's view of it starts at row row0 of replica 0.
 */
record LstmStep(int rep, int rows, int rowsPerReplica, int row0, int modules, int hidden) {
    LstmStep {
        if (rep < 0 || rows < 0 || row0 < 0 || hidden < 0 || (long) row0 + rows > rowsPerReplica
                || (long) rep * rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an LSTM step of rows " + row0 + ".." + ((long) row0 + rows) + " of "
                    + rowsPerReplica + " per replica, " + rep + " replicas, hidden " + hidden);
        }
        if (modules < 1) throw new IllegalArgumentException("an LSTM step of " + modules + " modules");
    }

    /** Refuses what the step's kernels cannot take: no scores with more than one module or with a scorer. */
    private void checkScores(FloatBuf scorer, FloatBuf scores) {
        if (scores == null && (modules != 1 || scorer != null)) {
            throw new IllegalArgumentException("an LSTM step without scores has one module and no scorer, not "
                    + modules + (scorer != null ? " and a scorer" : ""));
        }
    }

    int gateWidth() {
        return 4 * modules * hidden;
    }

    /** The step's rows of a per-row tensor width wide (null for an absent one). */
    Mat perRow(String name, FloatBuf buf, int width) {
        return buf == null ? null : new Mat(name, buf, row0 * width, rep, rowsPerReplica * width, rows, width, width);
    }

    /** rep parts of (rows, width), part r at off + r * stride (null for an absent one): c_prev and its gradient. */
    Mat strided(String name, FloatBuf buf, int off, int stride, int rows, int width) {
        return buf == null ? null : new Mat(name, buf, off, rep, stride, rows, width, width);
    }

    /**
     * What both ops read: the step's gate inputs, the scorer (null: none), the scores (null: s = 1), c_prev of replica
     * r at cPrevOff + r * cPrevStride, and the forward's gates and cells.
     */
    Operands operands(boolean torchGateOrder, FloatBuf input, FloatBuf recurrent, FloatBuf scorer, int scorerOff,
                      int scorerStride, FloatBuf scores, FloatBuf cPrev, int cPrevOff, int cPrevStride, FloatBuf gates,
                      FloatBuf cells) {
        checkScores(scorer, scores);
        int gateWidth = gateWidth();
        return new Operands(torchGateOrder, perRow("input", input, gateWidth),
                perRow("recurrent", recurrent, gateWidth), strided("scorer", scorer, scorerOff, scorerStride, 1, 2 * gateWidth), scorerOff, scorerStride,
                perRow("scores", scores, modules), strided("cPrev", cPrev, cPrevOff, cPrevStride, rows, hidden),
                cPrevOff, cPrevStride, perRow("gates", gates, gateWidth), perRow("cells", cells, modules * hidden));
    }

    /** The operands both ops read; the offsets and strides of scorer and cPrev are also the reference's arguments. */
    record Operands(boolean torchGateOrder, Mat input, Mat recurrent, Mat scorer, int scorerOff, int scorerStride,
                    Mat scores, Mat cPrev, int cPrevOff, int cPrevStride, Mat gates, Mat cells) {
    }

    /** Both kernels' first arguments: the shape, then the operands up to cells. */
    KernelArgs args(Gpu gpu, Operands in) {
        return KernelArgs.of().i(rep).i(rows).i(rowsPerReplica).i(modules).i(hidden).flag(in.torchGateOrder())
                .ptr(gpu.at(in.input())).ptr(gpu.at(in.recurrent())).ptr(gpu.at(in.scorer())).i(in.scorerStride())
                .ptr(gpu.at(in.scores())).ptr(gpu.at(in.cPrev())).i(in.cPrevStride()).ptr(gpu.at(in.gates()))
                .ptr(gpu.at(in.cells()));
    }

    /**
     * grid (min(rep * rows, 65535)); warps enough for the hidden units and for warpsFor (modules), LSTM_WARPS at
     * most; nothing when there are no rows. lstm_cell.cu holds a row's scores in shared memory: R <= LSTM_MAX_MODULES.
     */
    void launch(Gpu gpu, String kernel, int warpsFor, KernelArgs args) {
        if (modules > KernelGeometry.LSTM_MAX_MODULES) {
            throw new IllegalArgumentException("the LSTM step on the GPU takes 1 to " + KernelGeometry.LSTM_MAX_MODULES
                    + " modules, not " + modules);
        }
        int items = rep * rows;
        if (items == 0) return;
        int warps = Math.max(1, Math.min(KernelGeometry.LSTM_WARPS, Math.max(Gpu.ceil(hidden, 32), warpsFor)));
        gpu.launch(kernel, Math.min(items, Gpu.MAX_BLOCKS), 1, 1, 32 * warps, 0, args);
    }
}
