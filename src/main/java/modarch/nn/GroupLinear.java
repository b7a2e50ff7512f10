package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.task.FastRandom;

/**
 * The reference's GroupLinearLayer: R independent linear maps, {@code y[:, m] = act(x[:, m] w[m] + b[m])},
 * with w (R, din, dout) and b (1, R, dout). With a shared input every module reads the same
 * x (rows, din), which is the reference's input repeated over modules without the copy.
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
    private final float[] output;     // output is (rep, rows, R, dout)
    private final float[] gradOutput; // gradOutput is (rep, rows, R, dout)
    private float[] input;            // input is (rep, rows, din) when shared, else (rep, rows, R, din)
    private int rows;

    public GroupLinear(Backend backend, String prefix, int rep, int modules, int din, int dout,
                       int maxRows, boolean sharedInput, boolean relu) {
        this.backend = backend;
        this.rep = rep;
        this.modules = modules;
        this.din = din;
        this.dout = dout;
        this.sharedInput = sharedInput;
        this.relu = relu;
        this.w = new Param(prefix + ".w", rep, modules, din, dout);
        this.b = new Param(prefix + ".b", rep, 1, modules, dout);
        this.output = new float[rep * maxRows * modules * dout];
        this.gradOutput = new float[output.length];
    }

    /** The reference's reset_parameters: w and b ~ U(-sqrt(1/din), sqrt(1/din)). */
    public void init(int r, FastRandom rng) {
        double bound = Math.sqrt(1.0 / din);
        w.initUniform(r, bound, rng);
        b.initUniform(r, bound, rng);
    }

    private int inputRowStride() {
        return sharedInput ? din : modules * din;
    }

    private int inputOffset(int r, int m) {
        return r * rows * inputRowStride() + (sharedInput ? 0 : m * din);
    }

    public void forward(float[] x, int rows) {
        this.input = x;
        this.rows = rows;
        int ldy = modules * dout;
        for (int r = 0; r < rep; r++) {
            for (int m = 0; m < modules; m++) {
                backend.gemm(false, false, rows, dout, din,
                        x, inputOffset(r, m), inputRowStride(),
                        w.data(), w.offset(r) + m * din * dout, dout,
                        output, r * rows * ldy + m * dout, ldy,
                        false, b.data(), b.offset(r) + m * dout, relu);
            }
        }
    }

    /**
     * Accumulates w and b gradients from {@link #gradOutput()} (ReLU backward applied in place);
     * writes (or adds) the input gradient into gradInput when it is not null. With a shared
     * input the module contributions are summed.
     */
    public void backward(float[] gradInput, boolean accumulate) {
        int ldy = modules * dout;
        for (int r = 0; r < rep; r++) {
            int yOff = r * rows * ldy;
            if (relu) backend.reluBackward(rows, ldy, output, yOff, ldy, gradOutput, yOff, ldy);
            for (int m = 0; m < modules; m++) {
                int dyOff = yOff + m * dout;
                // dw[m] (din, dout) += x_m^T (din, rows) . dy_m (rows, dout)
                backend.matmulAccumulate(true, false, din, dout, rows,
                        input, inputOffset(r, m), inputRowStride(),
                        gradOutput, dyOff, ldy,
                        w.grad(), w.offset(r) + m * din * dout, dout);
                backend.columnSumAccumulate(rows, dout, gradOutput, dyOff, ldy, b.grad(), b.offset(r) + m * dout);
                if (gradInput != null) {
                    // dx_m (rows, din) = dy_m (rows, dout) . w[m]^T (dout, din)
                    boolean add = accumulate || (sharedInput && m > 0);
                    backend.gemm(false, true, rows, din, dout,
                            gradOutput, dyOff, ldy,
                            w.data(), w.offset(r) + m * din * dout, dout,
                            gradInput, inputOffset(r, m), inputRowStride(), add, null, 0, false);
                }
            }
        }
    }

    public float[] output() {
        return output;
    }

    public float[] gradOutput() {
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
