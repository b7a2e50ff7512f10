package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.task.FastRandom;

/**
 * PyTorch's nn.Linear, optionally followed by a fused ReLU: {@code y = act(x W^T + b)}.
 * Owns its output and the gradient buffer of that output; remembers its input for backward.
 */
public final class Linear {
    private final Backend backend;
    private final int rep;
    private final int in;
    private final int out;
    private final boolean relu;
    private final Param weight;  // weight is (out, in)
    private final Param bias;    // bias is (out)
    private final float[] output;     // output is (rep, rows, out)
    private final float[] gradOutput; // gradOutput is (rep, rows, out), filled by the caller before backward
    private float[] input;            // input is (rep, rows, in), the array last given to forward
    private int rows;

    public Linear(Backend backend, String prefix, int rep, int in, int out, int maxRows, boolean relu) {
        this.backend = backend;
        this.rep = rep;
        this.in = in;
        this.out = out;
        this.relu = relu;
        this.weight = new Param(prefix + ".weight", rep, out, in);
        this.bias = new Param(prefix + ".bias", rep, out);
        this.output = new float[rep * maxRows * out];
        this.gradOutput = new float[output.length];
    }

    /** PyTorch's default: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)). */
    public void init(int r, FastRandom rng) {
        double bound = 1.0 / Math.sqrt(in);
        weight.initUniform(r, bound, rng);
        bias.initUniform(r, bound, rng);
    }

    /** x is (rep, rows, in); the result is in {@link #output()}. */
    public void forward(float[] x, int rows) {
        this.input = x;
        this.rows = rows;
        for (int r = 0; r < rep; r++) {
            backend.gemm(false, true, rows, out, in,
                    x, r * rows * in, in,
                    weight.data(), weight.offset(r), in,
                    output, r * rows * out, out,
                    false, bias.data(), bias.offset(r), relu);
        }
    }

    /**
     * Accumulates weight and bias gradients from {@link #gradOutput()} (modified in place by the
     * ReLU backward) and, when gradInput is not null, writes (or adds, when accumulate) the gradient
     * of the input there: gradInput is (rep, rows, in).
     */
    public void backward(float[] gradInput, boolean accumulate) {
        for (int r = 0; r < rep; r++) {
            int yOff = r * rows * out;
            if (relu) backend.reluBackward(rows, out, output, yOff, out, gradOutput, yOff, out);
            // dW (out, in) += dy^T (out, rows) . x (rows, in)
            backend.matmulAccumulate(true, false, out, in, rows,
                    gradOutput, yOff, out, input, r * rows * in, in,
                    weight.grad(), weight.offset(r), in);
            backend.columnSumAccumulate(rows, out, gradOutput, yOff, out, bias.grad(), bias.offset(r));
            if (gradInput != null) {
                // dx (rows, in) = dy (rows, out) . W (out, in)
                backend.gemm(false, false, rows, in, out,
                        gradOutput, yOff, out, weight.data(), weight.offset(r), in,
                        gradInput, r * rows * in, in, accumulate, null, 0, false);
            }
        }
    }

    public float[] output() {
        return output;
    }

    public float[] gradOutput() {
        return gradOutput;
    }

    public Param weight() {
        return weight;
    }

    public Param bias() {
        return bias;
    }

    public List<Param> params() {
        return List.of(weight, bias);
    }
}
