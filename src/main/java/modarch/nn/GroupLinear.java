package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.ops.ColumnSumAccumulate;
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
    private FloatBuf input;            // input is (rep, rows, din) when shared, else (rep, rows, R, din)
    private ReluBackward reluBackward; // over the rows last run; null before a backward with a ReLU
    private ColumnSumAccumulate biasGrad; // db += column sums of dy over the rows last run
    private int rows;

    public GroupLinear(Workspace ws, String prefix, int modules, int din, int dout,
                       int maxRows, boolean sharedInput, boolean relu) {
        this.backend = ws.backend();
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

    /** x is (rep, rows, din) when the input is shared, else (rep, rows, R, din); the result is in {@link #output()}. */
    public void forward(FloatBuf x, int rows) {
        this.input = x;
        this.rows = rows;
        int ldy = modules * dout;
        int stride = w.replicaStride();
        if (sharedInput) {
            // wide[r] (din, R*dout): module m's w (din, dout) at columns m*dout, every replica
            backend.copyGrouped(rep, stride, din * ldy, modules, din, dout, w.data(), w.offset(0), dout, din * dout,
                    wide, 0, ldy, dout, false);
            // y (rows, R*dout) = act(x (rows, din) . W (din, R*dout) + b (R*dout)), every replica
            backend.gemmBatched(rep, false, false, rows, ldy, din,
                    x, 0, din, rows * din, wide, 0, ldy, din * ldy,
                    output, 0, ldy, rows * ldy, false, b.data(), b.offset(0), stride, relu);
            return;
        }
        // y_m (rows, dout) = act(x_m (rows, din) . w[m] (din, dout) + b[m]), every replica and module
        backend.gemmGrouped(rep, rows * modules * din, stride, rows * ldy, stride, modules, false, false, rows, dout, din,
                x, 0, modules * din, din,
                w.data(), w.offset(0), dout, din * dout,
                output, 0, ldy, dout,
                false, b.data(), b.offset(0), dout, relu);
    }

    /**
     * Accumulates w and b gradients from {@link #gradOutput()} (ReLU backward applied in place);
     * writes (or adds) the input gradient into gradInput when it is not null. With a shared
     * input the module contributions are summed.
     */
    public void backward(FloatBuf gradInput, boolean accumulate) {
        int ldy = modules * dout;
        int stride = w.replicaStride();
        if (relu) {
            reluBackward = ReluBackward.bind(reluBackward, output, gradOutput, rep * rows, ldy);
            backend.run(reluBackward);
        }
        if (biasGrad == null || biasGrad.x().rows() != rows) {
            biasGrad = null;
            biasGrad = new ColumnSumAccumulate(new Mat("gradOutput", gradOutput, 0, rep, rows * ldy, rows, ldy, ldy),
                    Mat.items("b.grad", b.grad(), b.offset(0), rep, stride, ldy));
        }
        backend.run(biasGrad);
        if (sharedInput) {
            // dW (din, R*dout) = x^T (din, rows) . dy (rows, R*dout), then added block by block into dw
            backend.gemmBatched(rep, true, false, din, ldy, rows,
                    input, 0, din, rows * din, gradOutput, 0, ldy, rows * ldy,
                    gradWide, 0, ldy, din * ldy, false, null, 0, 0, false);
            backend.copyGrouped(rep, din * ldy, stride, modules, din, dout, gradWide, 0, ldy, dout,
                    w.grad(), w.offset(0), dout, din * dout, true);
            if (gradInput != null) {
                // dx (rows, din) = dy (rows, R*dout) . W^T (R*dout, din)
                backend.gemmBatched(rep, false, true, rows, din, ldy,
                        gradOutput, 0, ldy, rows * ldy, wide, 0, ldy, din * ldy,
                        gradInput, 0, din, rows * din, accumulate, null, 0, 0, false);
            }
            return;
        }
        int xStride = rows * modules * din;
        int yStride = rows * ldy;
        // dw[m] (din, dout) += x_m^T (din, rows) . dy_m (rows, dout), every replica and module
        backend.gemmGrouped(rep, xStride, yStride, stride, 0, modules, true, false, din, dout, rows,
                input, 0, modules * din, din, gradOutput, 0, ldy, dout,
                w.grad(), w.offset(0), dout, din * dout, true, null, 0, 0, false);
        if (gradInput != null) {
            // dx_m (rows, din) = dy_m (rows, dout) . w[m]^T (dout, din)
            backend.gemmGrouped(rep, yStride, stride, xStride, 0, modules, false, true, rows, din, dout,
                    gradOutput, 0, ldy, dout, w.data(), w.offset(0), dout, din * dout,
                    gradInput, 0, modules * din, din, accumulate, null, 0, 0, false);
        }
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
