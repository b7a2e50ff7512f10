package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.CopyBlocks;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.ReluBackward;
import modarch.task.FastRandom;

/**
 * The reference's GroupLinearLayer: R independent linear maps, {@code y[:, m] = act(x[:, m] w[m] + b[m])},
 * with w (R, din, dout) and b (1, R, dout). With a shared input every module reads the same
 * x (rows, din), which is the reference's input repeated over modules without the copy; the R
 * products are then one: x (rows, din) . W (din, R*dout), W the modules' weights side by side,
 * packed from w before each forward and its gradient added back into w's after each backward
 * (one wide product beats R narrow ones: dout is often a single vector wide).
 */
public final class GroupLinear {
    private final Backend backend;
    private final Precision precision; // of every product
    private final int rep;
    private final int modules;
    private final int din;
    private final int dout;
    private final boolean sharedInput;
    private final boolean relu;
    private final Param w;  // w is (R, din, dout)
    private final Param b;  // b is (1, R, dout)
    private final FloatBuf output;     // output is (rep, rows, R, dout)
    private final FloatBuf gradOutput; // gradOutput is (rep, rows, R, dout)
    private final FloatBuf wide;       // shared input only: wide is (rep, din, R*dout), w side by side
    private final FloatBuf gradWide;   // shared input only: gradWide is (rep, din, R*dout)
    private Products products;         // at the rows and input last run
    private Gemm inputGrad;            // dx at those rows, into the gradInput last given
    private final JointProducts gradients = new JointProducts(); // dw (and db) beside dx: one op
    private boolean gradOutputMasked;  // gradOutput arrives through the ReLU's backward (its caller's products)

    public GroupLinear(Workspace ws, String prefix, int modules, int din, int dout,
                       int maxRows, boolean sharedInput, boolean relu) {
        this.backend = ws.backend();
        this.precision = ws.precision();
        this.rep = ws.rep();
        this.modules = modules;
        this.din = din;
        this.dout = dout;
        this.sharedInput = sharedInput;
        this.relu = relu;
        this.w = ws.params().add(prefix + ".w", modules, din, dout);
        this.b = ws.params().add(prefix + ".b", 1, modules, dout);
        this.output = ws.floats((long) maxRows * modules * dout);
        this.gradOutput = ws.floats((long) maxRows * modules * dout);
        this.wide = sharedInput ? ws.floats((long) din * modules * dout) : null;
        this.gradWide = sharedInput ? ws.floats((long) din * modules * dout) : null;
    }

    /** The reference's reset_parameters: w and b ~ U(-sqrt(1/din), sqrt(1/din)), into one replica's host values. */
    public void init(float[] replicaValues, FastRandom rng) {
        double bound = Math.sqrt(1.0 / din);
        w.initUniform(replicaValues, bound, rng);
        b.initUniform(replicaValues, bound, rng);
    }

    /** The ops of one shape: built when the rows or the input change, so a warm step allocates nothing. */
    record Products(int rows, FloatBuf x, CopyBlocks pack, Gemm forward, ReluBackward reluBackward,
                    Gemm weightGrad, CopyBlocks unpackGrad, Gemm moduleWeightGrad) {
    }

    private Products products(FloatBuf x, int rows) {
        int ldy = modules * dout;
        int stride = w.replicaStride();
        Mat dy = new Mat("gradOutput", gradOutput, 0, rep, rows * ldy, rows, ldy, ldy); // (rep, rows, R*dout)
        ReluBackward reluBackward = relu ? ReluBackward.bind(null, output, gradOutput, rep * rows, ldy) : null;
        if (sharedInput) {
            Mat xs = new Mat("x", x, 0, rep, rows * din, rows, din, din);                       // (rep, rows, din)
            Mat wideView = new Mat("wide", wide, 0, rep, din * ldy, din, ldy, ldy);             // (rep, din, R*dout)
            // wide[r] (din, R*dout): module m's w (din, dout) at columns m*dout, every replica
            CopyBlocks pack = new CopyBlocks(moduleWeights(w.data(), din), new Mat("wide", wide, 0, modules, dout,
                    din, dout, ldy), false, rep, stride, din * ldy);
            // y (rows, R*dout) = act(x (rows, din) . W (din, R*dout) + b (R*dout)), every replica
            Gemm forward = Gemm.of(xs, false, wideView, false, new Mat("output", output, 0, rep, rows * ldy, rows,
                    ldy, ldy)).precision(precision).bias(Mat.items("b", b.data(), b.offset(0), rep, stride, ldy)).relu(relu);
            // dW (din, R*dout) = x^T (din, rows) . dy (rows, R*dout); db (R*dout) += dy's column sums, in the same launch
            Gemm weightGrad = Gemm.of(xs, true, dy, false, new Mat("gradWide", gradWide, 0, rep, din * ldy, din, ldy,
                    ldy)).precision(precision).columnSums(new ColumnSumAccumulate(dy, Mat.items("b.grad", b.grad(),
                    b.offset(0), rep, stride, ldy)));
            // dw[m] += dW's block m, every replica
            CopyBlocks unpack = new CopyBlocks(new Mat("gradWide", gradWide, 0, modules, dout, din, dout, ldy),
                    moduleWeights(w.grad(), din), true, rep, din * ldy, stride);
            // the same gradients module by module, straight into w's: x (rows, din) for every module
            Gemm moduleWeightGrad = moduleWeightGrad(new Mat("x", x, 0, modules, 0, rows, din, din), rows * din, rows);
            return new Products(rows, x, pack, forward, reluBackward, weightGrad, unpack, moduleWeightGrad);
        }
        Mat xs = new Mat("x", x, 0, modules, din, rows, din, modules * din);       // x_m (rows, din) of replica 0
        Mat ys = new Mat("output", output, 0, modules, dout, rows, dout, ldy);      // y_m (rows, dout) of replica 0
        // y_m (rows, dout) = act(x_m (rows, din) . w[m] (din, dout) + b[m]), every replica and module
        Gemm forward = Gemm.of(xs, false, moduleWeights(w.data(), din), false, ys).precision(precision)
                .bias(Mat.items("b", b.data(), b.offset(0), modules, dout, dout)).relu(relu)
                .groups(new Gemm.Groups(rep, rows * modules * din, stride, rows * ldy, stride));
        Gemm weightGrad = moduleWeightGrad(xs, rows * modules * din, rows);
        return new Products(rows, x, null, forward, reluBackward, weightGrad, null, weightGrad);
    }

    /**
     * dw[m] (din, dout) += x_m^T (din, rows) . dy_m (rows, dout); db[m] (dout) += dy_m's column sums, in the same
     * launch; every replica and module. xs holds x_m, replica 0's modules (R items); xGroupStride: a replica's x.
     */
    private Gemm moduleWeightGrad(Mat xs, int xGroupStride, int rows) {
        int ldy = modules * dout, stride = w.replicaStride();
        Mat dys = new Mat("gradOutput", gradOutput, 0, modules, dout, rows, dout, ldy); // dy_m (rows, dout)
        return Gemm.of(xs, true, dys, false, moduleWeights(w.grad(), din)).precision(precision).accumulate(true)
                .groups(new Gemm.Groups(rep, xGroupStride, rows * ldy, stride, 0))
                .columnSums(new ColumnSumAccumulate(dys, Mat.items("b.grad", b.grad(), b.offset(0), modules, dout, dout),
                        rep, rows * ldy, stride));
    }

    /** Replica 0's modules of a (R, din, dout) parameter tensor: R items of (rows, dout). */
    private Mat moduleWeights(FloatBuf values, int rows) {
        return new Mat("w", values, w.offset(0), modules, rows * dout, rows, dout, dout);
    }

    /** x is (rep, rows, din) when the input is shared, else (rep, rows, R, din); the result is in {@link #output()}. */
    public void forward(FloatBuf x, int rows) {
        bind(x, rows);
        if (sharedInput) backend.run(products.pack);
        backend.run(products.forward);
    }

    /**
     * The ops of {@link #forward} at x and rows, and of the {@link #backward} after it: pack (null without a shared
     * input), forward; reluBackward (null without the ReLU), weightGrad, {@link #inputGrad}, unpackGrad (null without a
     * shared input). moduleWeightGrad is what weightGrad and unpackGrad do, module by module, straight into w's
     * gradient (weightGrad itself without a shared input).
     */
    Products bind(FloatBuf x, int rows) {
        if (products == null || products.rows != rows || products.x != x) {
            products = null;
            products = products(x, rows);
        }
        return products;
    }

    /**
     * Says whether {@link #gradOutput()} arrives through the ReLU's backward already (its writer's product masked it
     * by {@link #output()}), so that {@link #backward} skips its own.
     */
    void gradOutputMasked(boolean masked) {
        this.gradOutputMasked = masked;
    }

    /**
     * Accumulates w and b gradients from {@link #gradOutput()} (ReLU backward applied in place unless it arrives
     * masked);
     * writes (or adds) the input gradient into gradInput when it is not null. With a shared
     * input the module contributions are summed.
     */
    public void backward(FloatBuf gradInput, boolean accumulate) {
        if (relu && !gradOutputMasked) backend.run(products.reluBackward);
        if (gradInput == null) {
            backend.run(products.weightGrad);
        } else {
            backend.run(gradients.of(products.weightGrad, inputGrad(gradInput, accumulate))); // both read dy: one launch
        }
        if (sharedInput) backend.run(products.unpackGrad);
    }

    /** dx into gradInput (added to it when accumulate) at the rows last bound: built when one of them changes. */
    Gemm inputGrad(FloatBuf gradInput, boolean accumulate) {
        if (inputGrad == null || inputGrad.c().buf() != gradInput || inputGrad.accumulate() != accumulate
                || inputGrad.m() != products.rows) {
            inputGrad = null;
            inputGrad = inputGrad(gradInput, products.rows, accumulate);
        }
        return inputGrad;
    }

    private Gemm inputGrad(FloatBuf gradInput, int rows, boolean accumulate) {
        int ldy = modules * dout;
        if (sharedInput) {
            // dx (rows, din) = dy (rows, R*dout) . W^T (R*dout, din)
            return Gemm.of(products.weightGrad.b(), false, products.forward.b(), true,
                    new Mat("gradInput", gradInput, 0, rep, rows * din, rows, din, din)).precision(precision).accumulate(accumulate);
        }
        // dx_m (rows, din) = dy_m (rows, dout) . w[m]^T (dout, din), every replica and module
        return Gemm.of(products.weightGrad.b(), false, products.forward.b(), true,
                new Mat("gradInput", gradInput, 0, modules, din, rows, din, modules * din)).precision(precision).accumulate(accumulate)
                .groups(new Gemm.Groups(rep, rows * ldy, w.replicaStride(), rows * modules * din, 0));
    }

    public FloatBuf output() {
        return output;
    }

    public FloatBuf gradOutput() {
        return gradOutput;
    }

    public Param w() {
        return w;
    }

    public Param b() {
        return b;
    }

    public List<Param> params() {
        return List.of(w, b);
    }
}
