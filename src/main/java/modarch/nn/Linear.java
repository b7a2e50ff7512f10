package modarch.nn;

import java.util.List;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.ReluBackward;
import modarch.task.FastRandom;

/**
 * PyTorch's nn.Linear, optionally followed by a fused ReLU: {@code y = act(x W^T + b)} (or without b, as
 * {@code nn.Linear(in, out, bias=False)}), every replica in one batched product. Owns its output and the gradient
 * buffer of that output; remembers its input for backward.
 */
public final class Linear {
    private final Backend backend;
    private final int rep;
    private final int in;
    private final int out;
    private final boolean relu;
    private final Param weight;  // weight is (out, in)
    private final Param bias;    // bias is (out); null without one
    private final FloatBuf output;     // output is (rep, rows, out)
    private final FloatBuf gradOutput; // gradOutput is (rep, rows, out), filled by the caller before backward
    private FloatBuf input;            // input is (rep, rows, in), the buffer last given to forward
    private ReluBackward reluBackward; // over the rows last run; null before a backward with a ReLU
    private ColumnSumAccumulate biasGrad; // db += column sums of dy over the rows last run
    private int rows;

    public Linear(Workspace ws, String prefix, int in, int out, int maxRows, boolean relu) {
        this(ws, prefix, in, out, maxRows, relu, true);
    }

    /** A Linear with a bias or, when hasBias is false, without one (no prefix.bias parameter). */
    public Linear(Workspace ws, String prefix, int in, int out, int maxRows, boolean relu, boolean hasBias) {
        this.backend = ws.backend();
        this.rep = ws.rep();
        this.in = in;
        this.out = out;
        this.relu = relu;
        this.weight = ws.params().add(prefix + ".weight", out, in);
        this.bias = hasBias ? ws.params().add(prefix + ".bias", out) : null;
        this.output = ws.floats((long) maxRows * out);
        this.gradOutput = ws.floats((long) maxRows * out);
    }

    /** PyTorch's default: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)), into one replica's host values. */
    public void init(float[] replicaValues, FastRandom rng) {
        double bound = 1.0 / Math.sqrt(in);
        weight.initUniform(replicaValues, bound, rng);
        if (bias != null) bias.initUniform(replicaValues, bound, rng);
    }

    /** x is (rep, rows, in); the result is in {@link #output()}. */
    public void forward(FloatBuf x, int rows) {
        this.input = x;
        this.rows = rows;
        int stride = weight.replicaStride();
        backend.gemmBatched(rep, false, true, rows, out, in,
                x, 0, in, rows * in,
                weight.data(), weight.offset(0), in, stride,
                output, 0, out, rows * out,
                false, bias == null ? null : bias.data(), bias == null ? 0 : bias.offset(0), stride, relu);
    }

    /**
     * Accumulates weight and bias gradients from {@link #gradOutput()} (modified in place by the
     * ReLU backward) and, when gradInput is not null, writes (or adds, when accumulate) the gradient
     * of the input there: gradInput is (rep, rows, in).
     */
    public void backward(FloatBuf gradInput, boolean accumulate) {
        int stride = weight.replicaStride();
        if (relu) {
            reluBackward = ReluBackward.bind(reluBackward, output, gradOutput, rep * rows, out);
            backend.run(reluBackward);
        }
        // dW (out, in) += dy^T (out, rows) . x (rows, in)
        backend.gemmBatched(rep, true, false, out, in, rows,
                gradOutput, 0, out, rows * out, input, 0, in, rows * in,
                weight.grad(), weight.offset(0), in, stride, true, null, 0, 0, false);
        if (bias != null) {
            if (biasGrad == null || biasGrad.x().rows() != rows) {
                biasGrad = null;
                biasGrad = new ColumnSumAccumulate(new Mat("gradOutput", gradOutput, 0, rep, rows * out, rows, out, out),
                        Mat.items("bias.grad", bias.grad(), bias.offset(0), rep, stride, out));
            }
            backend.run(biasGrad);
        }
        if (gradInput != null) {
            // dx (rows, in) = dy (rows, out) . W (out, in)
            backend.gemmBatched(rep, false, false, rows, in, out,
                    gradOutput, 0, out, rows * out, weight.data(), weight.offset(0), in, stride,
                    gradInput, 0, in, rows * in, accumulate, null, 0, 0, false);
        }
    }

    public FloatBuf output() {
        return output;
    }

    public FloatBuf gradOutput() {
        return gradOutput;
    }

    public Param weight() {
        return weight;
    }

    public Param bias() {
        return bias;
    }

    public List<Param> params() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }
}
