package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.task.FastRandom;

/**
 * The reference's GroupLinearLayer: R independent linear maps, {@code y[:, m] = act(x[:, m] w[m] + b[m])},
 * with w (R, din, dout) and b (1, R, dout). With a shared input every module reads the same
 * x (rows, din), which is the reference's input repeated over modules without the copy; the R
 * products are then one: x (rows, din) . W (din, R*dout), W the modules' weights side by side,
 * packed from w before each forward and its gradient added back into w's after each backward.
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
    private final float[] wide;       // shared input only: wide is (rep, din, R*dout), w side by side
    private final float[] gradWide;   // shared input only: (din, R*dout) gradient of one replica
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
        this.wide = sharedInput ? new float[rep * din * modules * dout] : null;
        this.gradWide = sharedInput ? new float[din * modules * dout] : null;
    }

    /** The reference's reset_parameters: w and b ~ U(-sqrt(1/din), sqrt(1/din)). */
    public void init(int r, FastRandom rng) {
        double bound = Math.sqrt(1.0 / din);
        w.initUniform(r, bound, rng);
        b.initUniform(r, bound, rng);
    }

    /** Offset of module m's input in replica r when every module has its own input (rows, R, din). */
    private int inputOffset(int r, int m) {
        return r * rows * modules * din + m * din;
    }

    public void forward(float[] x, int rows) {
        this.input = x;
        this.rows = rows;
        int ldy = modules * dout;
        if (sharedInput) {
            forwardWide(x, rows);
            return;
        }
        for (int r = 0; r < rep; r++) {
            for (int m = 0; m < modules; m++) {
                backend.gemm(false, false, rows, dout, din,
                        x, inputOffset(r, m), modules * din,
                        w.data(), w.offset(r) + m * din * dout, dout,
                        output, r * rows * ldy + m * dout, ldy,
                        false, b.data(), b.offset(r) + m * dout, relu);
            }
        }
    }

    private void forwardWide(float[] x, int rows) {
        int ldy = modules * dout;
        for (int r = 0; r < rep; r++) {
            int wideOff = r * din * ldy;
            for (int m = 0; m < modules; m++) {
                backend.copy(din, dout, w.data(), w.offset(r) + m * din * dout, dout, wide, wideOff + m * dout, ldy);
            }
            // y (rows, R*dout) = act(x (rows, din) . W (din, R*dout) + b (R*dout))
            backend.gemm(false, false, rows, ldy, din,
                    x, r * rows * din, din, wide, wideOff, ldy,
                    output, r * rows * ldy, ldy, false, b.data(), b.offset(r), relu);
        }
    }

    private void backwardWide(float[] gradInput, boolean accumulate) {
        int ldy = modules * dout;
        for (int r = 0; r < rep; r++) {
            int yOff = r * rows * ldy;
            // dW (din, R*dout) = x^T (din, rows) . dy (rows, R*dout), added block by block into dw
            backend.matmul(true, false, din, ldy, rows,
                    input, r * rows * din, din, gradOutput, yOff, ldy, gradWide, 0, ldy);
            for (int m = 0; m < modules; m++) {
                backend.addInto(din, dout, gradWide, m * dout, ldy, w.grad(), w.offset(r) + m * din * dout, dout);
            }
            backend.columnSumAccumulate(rows, ldy, gradOutput, yOff, ldy, b.grad(), b.offset(r));
            if (gradInput != null) {
                // dx (rows, din) = dy (rows, R*dout) . W^T (R*dout, din)
                backend.gemm(false, true, rows, din, ldy,
                        gradOutput, yOff, ldy, wide, r * din * ldy, ldy,
                        gradInput, r * rows * din, din, accumulate, null, 0, false);
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
        if (relu) backend.reluBackward(rep * rows, ldy, output, 0, ldy, gradOutput, 0, ldy);
        if (sharedInput) {
            backwardWide(gradInput, accumulate);
            return;
        }
        for (int r = 0; r < rep; r++) {
            int yOff = r * rows * ldy;
            for (int m = 0; m < modules; m++) {
                int dyOff = yOff + m * dout;
                // dw[m] (din, dout) += x_m^T (din, rows) . dy_m (rows, dout)
                backend.matmulAccumulate(true, false, din, dout, rows,
                        input, inputOffset(r, m), modules * din,
                        gradOutput, dyOff, ldy,
                        w.grad(), w.offset(r) + m * din * dout, dout);
                backend.columnSumAccumulate(rows, dout, gradOutput, dyOff, ldy, b.grad(), b.offset(r) + m * dout);
                if (gradInput != null) {
                    // dx_m (rows, din) = dy_m (rows, dout) . w[m]^T (dout, din)
                    backend.gemm(false, true, rows, din, dout,
                            gradOutput, dyOff, ldy,
                            w.data(), w.offset(r) + m * din * dout, dout,
                            gradInput, inputOffset(r, m), modules * din, accumulate, null, 0, false);
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
