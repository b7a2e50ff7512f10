package modarch.backend.ops;

import modarch.backend.IntMat;
import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.AdamStep;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * One Adam step with PyTorch's semantics (no weight decay, no amsgrad) over the first n values of the buffers of
 * param, grad, m and v (n-value vectors from offset 0),
 * its step number t read from and written back to step (one int; t = old value + 1), so the same op can be replayed
 * unchanged: {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) +
 * eps)}, the bias corrections computed in double as PyTorch does; then {@code g = 0}, so the next step's gradients
 * accumulate from zero (the zero-grad of the step, folded in here). counter, when not null, is a 64-bit count held as
 * (low, high) words (two ints), advanced by 1 with the step: a training step's other counter (its batch number) then
 * needs no op of its own. On the GPU: adam.cu's adam_step, one launch that also advances the step and counter.
 */
public record AdamUpdate(Mat param, Mat grad, Mat m, Mat v, IntMat step, IntMat counter, double lr, float beta1,
                         float beta2, float eps) implements Op {
    public AdamUpdate {
        for (Mat values : new Mat[] {param, grad, m, v}) {
            Shapes.vector("adam", values, param.cols());
            if (values.off() != 0) {
                throw new IllegalArgumentException("adam: " + values.name() + " must start at its buffer's first value");
            }
        }
        Shapes.vector("adam", step, 1);
        if (counter != null) Shapes.vector("adam", counter, 2);
    }

    /** No other counter. */
    public AdamUpdate(Mat param, Mat grad, Mat m, Mat v, IntMat step, double lr, float beta1, float beta2, float eps) {
        this(param, grad, m, v, step, null, lr, beta1, beta2, eps);
    }

    /** This update, advancing counter (two ints: a 64-bit count) too. */
    public AdamUpdate advancing(IntMat counter) {
        return new AdamUpdate(param, grad, m, v, step, counter, lr, beta1, beta2, eps);
    }

    /** The number of values. */
    public int n() {
        return param.cols();
    }

    @Override
    public void reference(Parallel pool) {
        float[] param = Host.floats(this.param), grad = Host.floats(this.grad), m = Host.floats(this.m);
        float[] v = Host.floats(this.v);
        int n = n();
        int t = AdamStep.advance(Host.ints(step), step.off());
        double stepSize = AdamStep.stepSize(t, lr, beta1), biasCorrection2Sqrt = AdamStep.biasCorrection2Sqrt(t, beta2);
        for (int i = 0; i < n; i++) {
            float g = grad[i];
            m[i] = beta1 * m[i] + (1f - beta1) * g;
            v[i] = beta2 * v[i] + (1f - beta2) * g * g;
            float denom = (float) (Math.sqrt(v[i]) / biasCorrection2Sqrt) + eps;
            param[i] -= (float) stepSize * (m[i] / denom);
            grad[i] = 0f;
        }
        if (counter != null) advance(Host.ints(counter), counter.off());
    }

    /** Adds 1 to the 64-bit count held as (low, high) in words[off], words[off + 1]. */
    public static void advance(int[] words, int off) {
        long value = Host.longAt(words, off) + 1;
        words[off] = (int) value;
        words[off + 1] = (int) (value >>> 32);
    }

    @Override
    public void launch(Gpu gpu) {
        // one thread per four values, at least one block: the launch advances the step even when n is 0
        int blocks = Gpu.blocksFor((n() + 3L) / 4, KernelGeometry.BLOCK_THREADS);
        gpu.launch("adam_step", blocks, 1, 1, KernelGeometry.BLOCK_THREADS, 0, KernelArgs.of().i(n())
                .ptr(gpu.at(param)).ptr(gpu.at(grad)).ptr(gpu.at(m)).ptr(gpu.at(v)).ptr(gpu.at(step))
                .ptr(gpu.at(counter)).ptr(gpu.ticket()).d(lr).f(beta1).f(beta2).f(eps));
    }
}
