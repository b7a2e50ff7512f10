package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;

/**
 * Every replica's per-module matrices of one parameter, in two levels: module m of replica r is a (rows, cols) matrix
 * with row stride ld at {@code off + r * repStride + m * moduleStride}. first is replica 0's modules; the last
 * replica's view is checked against the buffer too, so the whole reach is inside it.
 */
record ModuleWeights(Mat first, int rep, int repStride) {
    static ModuleWeights of(String name, FloatBuf buf, int off, int rep, int repStride, int modules, int moduleStride,
                            int rows, int cols, int ld) {
        if (buf == null) return null;
        if (rep < 0 || repStride < 0) {
            throw new IllegalArgumentException(name + ": " + rep + " replicas " + repStride + " apart");
        }
        if (rep > 1) {
            new Mat(name, buf, off + (rep - 1) * repStride, modules, moduleStride, rows, cols, ld);
        }
        return new ModuleWeights(new Mat(name, buf, off, modules, moduleStride, rows, cols, ld), rep, repStride);
    }

    /** Elements from the first addressed to one past the last. */
    long span() {
        return rep == 0 || first.span() == 0 ? 0 : (long) (rep - 1) * repStride + first.span();
    }
}
