package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * Gradient-norm clipping of each item of grad (batch items of n values, item i at off + i * stride: a replica's
 * gradient arena), as PyTorch's clip_grad_norm_ over all of a model's parameters: {@code norm = sqrt(sum g^2)}
 * (summed in double), {@code g *= min(1, maxNorm / (norm + 1e-6))}, and {@code norms[i] = norm}. For the families
 * that clip (the RNN's); the MLP family's recipe does not. On the GPU: adam.cu's grad_norm_partial (CLIP_BLOCKS
 * blocks' double sums of squares per item into a scratch area) then grad_clip_scale; the scratch grows on first
 * use, so the first run of a size must not be inside a recording.
 */
public record ClipGradNorm(Mat grad, float maxNorm, Mat norms) implements Op {
    public ClipGradNorm {
        if (grad.rows() != 1) {
            throw new IllegalArgumentException("clipGradNorm: grad must be items of one row, not " + Shapes.shape(grad));
        }
        Shapes.vector("clipGradNorm", norms, grad.batch());
    }

    @Override
    public void reference(Parallel pool) {
        float[] grad = Host.floats(this.grad), norms = Host.floats(this.norms);
        int batch = this.grad.batch(), n = this.grad.cols(), stride = this.grad.stride();
        int gradOff = this.grad.off(), normsOff = this.norms.off();
        for (int item = 0; item < batch; item++) {
            int base = gradOff + item * stride;
            double squares = 0;
            for (int i = 0; i < n; i++) squares += (double) grad[base + i] * grad[base + i];
            float norm = (float) Math.sqrt(squares);
            float coefficient = Math.min(1f, maxNorm / (norm + 1e-6f));
            for (int i = 0; i < n; i++) grad[base + i] *= coefficient;
            norms[normsOff + item] = norm;
        }
    }

    @Override
    public void launch(Gpu gpu) {
        int batch = grad.batch(), blocks = KernelGeometry.CLIP_BLOCKS, threads = KernelGeometry.CLIP_THREADS;
        if (batch <= 0) return;
        long partial = gpu.scratch(2 * blocks * batch); // (batch, CLIP_BLOCKS) doubles
        long gradAt = gpu.at(grad);
        gpu.launch("grad_norm_partial", blocks, batch, 1, threads, 0,
                KernelArgs.of().i(grad.cols()).ptr(gradAt).i(grad.stride()).ptr(partial));
        gpu.launch("grad_clip_scale", blocks, batch, 1, threads, 0,
                KernelArgs.of().i(grad.cols()).ptr(gradAt).i(grad.stride()).f(maxNorm).ptr(partial).ptr(gpu.at(norms)));
    }
}
