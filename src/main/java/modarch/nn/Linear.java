package modarch.nn;

import java.util.List;
import java.util.Objects;
import modarch.backend.Backend;
import modarch.backend.FloatBuf;
import modarch.backend.Mat;
import modarch.backend.Precision;
import modarch.backend.ops.ColumnSumAccumulate;
import modarch.backend.ops.Gemm;
import modarch.backend.ops.Gemms;
import modarch.backend.ops.ReluBackward;
import modarch.task.FastRandom;

/**
 * PyTorch's nn.Linear, optionally followed by a fused ReLU: {@code y = act(x W^T + b)} (or without b, as
 * {@code nn.Linear(in, out, bias=False)}), every replica in one batched product. Owns its output and the gradient
 * buffer of that output; remembers its input for backward.
 */
public final class Linear {
    private final Backend backend;
    private final Precision precision; // of every product
    private final int rep;
    private final int in;
    private final int out;
    private final boolean relu;
    private final Param weight;  // weight is (out, in)
    private final Param bias;    // bias is (out); null without one
    private final FloatBuf output;     // output is (rep, rows, out)
    private final FloatBuf gradOutput; // gradOutput is (rep, rows, out), filled by the caller before backward
    private Products products;           // at the rows and input last run
    private Gemm inputGrad;              // dx at those rows, into the gradInput last given
    private final JointProducts gradients = new JointProducts(); // dW (and db) beside dx: one op
    private boolean gradOutputMasked;    // gradOutput arrives through the ReLU's backward (the layer above's backwardInto)

    public Linear(Workspace ws, String prefix, int in, int out, int maxRows, boolean relu) {
        this(ws, prefix, in, out, maxRows, relu, true);
    }

    /** A Linear with a bias or, when hasBias is false, without one (no prefix.bias parameter). */
    public Linear(Workspace ws, String prefix, int in, int out, int maxRows, boolean relu, boolean hasBias) {
        this.backend = ws.backend();
        this.precision = ws.precision();
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

    /** The ops of one shape: built when the rows or the input change, so a warm step allocates nothing. */
    private record Products(int rows, FloatBuf x, Gemm forward, ReluBackward reluBackward, Gemm weightGrad,
                            Gemms weightGradOnly) {
    }

    private Products products(FloatBuf x, int rows) {
        int stride = weight.replicaStride();
        Mat xs = new Mat("x", x, 0, rep, rows * in, rows, in, in);                 // (rep, rows, in)
        Mat w = new Mat("weight", weight.data(), weight.offset(0), rep, stride, out, in, in);
        Mat y = new Mat("output", output, 0, rep, rows * out, rows, out, out);     // (rep, rows, out)
        Mat dy = new Mat("gradOutput", gradOutput, 0, rep, rows * out, rows, out, out);
        // y = act(x . W^T + b)
        Gemm forward = Gemm.of(xs, false, w, true, y).precision(precision).relu(relu)
                .bias(bias == null ? null : Mat.items("bias", bias.data(), bias.offset(0), rep, stride, out));
        // dW (out, in) += dy^T (out, rows) . x (rows, in); db (out) += dy's column sums, in the same launch
        Gemm weightGrad = Gemm.of(dy, true, xs, false,
                new Mat("weight.grad", weight.grad(), weight.offset(0), rep, stride, out, in, in)).precision(precision)
                .accumulate(true).columnSums(bias == null ? null
                        : new ColumnSumAccumulate(dy, Mat.items("bias.grad", bias.grad(), bias.offset(0), rep, stride, out)));
        return new Products(rows, x, forward, relu ? ReluBackward.bind(null, output, gradOutput, rep * rows, out) : null,
                weightGrad, Gemms.of(weightGrad));
    }

    /** x is (rep, rows, in); the result is in {@link #output()}. */
    public void forward(FloatBuf x, int rows) {
        backend.run(forwardProduct(x, rows));
    }

    /** The product {@link #forward} runs, for a caller that runs it beside independent ones ({@link JointProducts}). */
    public Gemm forwardProduct(FloatBuf x, int rows) {
        if (products == null || products.rows != rows || products.x != x) {
            products = null;
            products = products(x, rows);
        }
        return products.forward;
    }

    /**
     * Accumulates weight and bias gradients from {@link #gradOutput()} (modified in place by the
     * ReLU backward, unless it came through it: {@link #backwardInto}) and, when gradInput is not null, writes (or
     * adds, when accumulate) the gradient of the input there: gradInput is (rep, rows, in).
     */
    public void backward(FloatBuf gradInput, boolean accumulate) {
        backend.run(backwardProducts(gradInput, accumulate));
    }

    /**
     * {@code backward(below.gradOutput(), false)} where below is the layer whose output is this layer's input. When
     * below has a ReLU, the input gradient goes through the ReLU's backward in the same product (masked where the
     * input is not positive), and below's backward then skips its own.
     */
    public void backwardInto(Linear below) {
        backend.run(backwardProductsInto(below));
    }

    /**
     * What {@link #backward} runs after the ReLU's backward, which this runs when due: the products, for a caller
     * that runs them beside independent ones ({@link JointProducts}).
     */
    public Gemms backwardProducts(FloatBuf gradInput, boolean accumulate) {
        return backwardProducts(gradInput, accumulate, false);
    }

    /** {@link #backwardInto}'s products, as {@link #backwardProducts} gives {@link #backward}'s. */
    public Gemms backwardProductsInto(Linear below) {
        if (products.x != below.output) throw new IllegalStateException("backwardInto a layer that is not the input");
        below.gradOutputMasked = below.relu;
        return backwardProducts(below.gradOutput, false, below.relu);
    }

    /** maskByInput: dx is 0 where x is not positive (the backward of the ReLU whose output x is). */
    private Gemms backwardProducts(FloatBuf gradInput, boolean accumulate, boolean maskByInput) {
        if (relu && !gradOutputMasked) backend.run(products.reluBackward);
        if (gradInput == null) return products.weightGradOnly;
        int rows = products.rows;
        Mat mask = maskByInput ? products.forward.a() : null; // x (rows, in)
        if (inputGrad == null || inputGrad.c().buf() != gradInput || inputGrad.m() != rows
                || inputGrad.accumulate() != accumulate || !Objects.equals(inputGrad.mask(), mask)) {
            inputGrad = null;
            // dx (rows, in) = dy (rows, out) . W (out, in), masked by x when maskByInput
            inputGrad = Gemm.of(products.weightGrad.a(), false, products.forward.b(), false,
                    new Mat("gradInput", gradInput, 0, rep, rows * in, rows, in, in)).precision(precision)
                    .accumulate(accumulate).mask(mask);
        }
        return gradients.of(products.weightGrad, inputGrad); // both read dy
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
