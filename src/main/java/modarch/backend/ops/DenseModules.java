package modarch.backend.ops;

import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * A dense module MLP over every replica's rows, as its fused kernels take it ({@link ModuleMlpForward},
 * {@link ModuleMlpBackward}; module_mlp.cu): R = modules modules of hidden units each (RH = R hidden) on rows of in
 * inputs, shared by the modules or one block per module (sharedInput false: rows of R in), output width dim, and
 * second-layer rows width2 wide (dim, or dim + 1 with the modules' own score unit in column dim). The parameters w1
 * (R, in, hidden), b1 (RH), w2 (RH, width2) and b2 (R, width2) are rep items one replica stride apart.
 */
public record DenseModules(int rep, int rows, int modules, int in, int hidden, int dim, int width2,
                           boolean sharedInput, Precision precision, Mat w1, Mat b1, Mat w2, Mat b2) {
    /**
     * The most weights (in RH + RH width2) the fused kernels take: each block reads them all for its
     * MODULE_MLP_ROWS rows. 2^15 holds the MLP family's smallest capacity (E, D) = (32, 128) at every R (28,800 with
     * its score units), where a step's products take microseconds and launches dominate; (64, 256) has about 2^17.
     * Chosen from those counts, not yet timed on a GPU.
     */
    static final int MAX_FUSED_WEIGHTS = 1 << 15;

    public DenseModules {
        int stride = w1.stride();
        if (b1.stride() != stride || w2.stride() != stride || b2.stride() != stride) {
            throw new IllegalArgumentException("a module MLP's w1, b1, w2 and b2 share one replica stride, not " + stride
                    + ", " + b1.stride() + ", " + w2.stride() + " and " + b2.stride());
        }
        int rh = modules * hidden;
        require("w1", w1, rep, rh * in);
        require("b1", b1, rep, rh);
        require("w2", w2, rep, rh * width2);
        require("b2", b2, rep, modules * width2);
    }

    private static void require(String what, Mat items, int rep, int size) {
        if (items.batch() != rep || (long) items.rows() * items.cols() != size) {
            throw new IllegalArgumentException("a module MLP's " + what + " is " + Shapes.shape(items) + ", not " + rep
                    + " items of " + size);
        }
    }

    /** Whether the fused kernels take it: FP32 products and a shape within their shared memory and weights. */
    boolean fused() {
        return fuses(precision, modules, in, hidden, dim, width2, sharedInput);
    }

    /** Whether the fused kernels take a dense module MLP of this shape whose products are in precision. */
    public static boolean fuses(Precision precision, int modules, int in, int hidden, int dim, int width2,
                                boolean sharedInput) {
        long rh = (long) modules * hidden, inputWidth = sharedInput ? in : (long) modules * in;
        int width = KernelGeometry.MODULE_MLP_MAX_WIDTH;
        return precision == Precision.FP32 && modules <= KernelGeometry.MODULE_MLP_MAX_MODULES && inputWidth <= width
                && rh <= width && dim <= width && in * rh + rh * width2 <= MAX_FUSED_WEIGHTS;
    }

    int hiddenWidth() {
        return modules * hidden;
    }

    /** The width of a row of x: in, or R in. */
    int inputWidth() {
        return sharedInput ? in : modules * in;
    }

    /** A per-row tensor of width floats a row: every replica's rows. */
    Mat perRow(String name, FloatBuf buf, int width) {
        return buf == null ? null : new Mat(name, buf, 0, rep, rows * width, rows, width, width);
    }

    /** Both kernels' first arguments (module_mlp.cu's MODULE_MLP_PARAMS): the shape and the parameters. */
    KernelArgs args(Gpu gpu) {
        return KernelArgs.of().i(rep).i(rows).i(modules).i(in).i(hidden).i(dim).i(width2).flag(sharedInput)
                .ptr(gpu.at(w1)).ptr(gpu.at(b1)).ptr(gpu.at(w2)).ptr(gpu.at(b2)).i(w1.stride());
    }

    /** grid: a block per MODULE_MLP_ROWS rows of a replica. */
    void launch(Gpu gpu, String kernel, KernelArgs args) {
        long items = (long) rep * Gpu.ceil(rows, KernelGeometry.MODULE_MLP_ROWS);
        if (items == 0) return;
        gpu.launch(kernel, (int) Math.min(items, Gpu.MAX_BLOCKS), 1, 1, KernelGeometry.MODULE_MLP_THREADS, 0, args);
    }
}
