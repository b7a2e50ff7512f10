package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.cpu.Host;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * What the two losses share: their operands' check, their reference loop over one element's term and gradient, and
 * their launch, one block of LOSS_THREADS per item; loss.cu's kernels take (n, pred, target, grad, loss, scale,
 * accumulate).
 */
final class LossLaunch {
    private LossLaunch() {
    }

    /** pred, target and grad are (batch, n) contiguous; loss is (batch). */
    static void check(String op, Mat pred, Mat target, Mat grad, Mat loss) {
        Shapes.contiguous(op, pred);
        Shapes.same(op, pred, target);
        Shapes.same(op, pred, grad);
        Shapes.contiguous(op, target);
        Shapes.contiguous(op, grad);
        Shapes.vector(op, loss, pred.rows());
    }

    static void launch(Gpu gpu, String kernel, Mat pred, Mat target, Mat grad, Mat loss, float scale,
                       boolean accumulate) {
        if (pred.rows() <= 0) return;
        gpu.launch(kernel, pred.rows(), 1, 1, KernelGeometry.LOSS_THREADS, 0, KernelArgs.of().i(pred.cols())
                .ptr(gpu.at(pred)).ptr(gpu.at(target)).ptr(gpu.at(grad)).ptr(gpu.at(loss)).f(scale).flag(accumulate));
    }

    /** One element of a mean loss over n values: its term of the sum, and its gradient before the 1/n. */
    interface Element {
        double term(float x, float t);

        float gradient(float x, float t);
    }

    /**
     * The scalar reference of a mean loss: for each item, the terms of its n elements summed in double in index
     * order, {@code grad = gradient * (1 / n)}, and {@code loss = (accumulate ? loss : 0) + scale * mean}.
     */
    static void reference(Element element, Mat pred, Mat target, Mat grad, Mat loss, float scale, boolean accumulate) {
        float[] x = Host.floats(pred), t = Host.floats(target), g = Host.floats(grad), out = Host.floats(loss);
        int batch = pred.rows(), n = pred.cols();
        float inv = 1f / n;
        for (int item = 0; item < batch; item++) {
            int base = item * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[pred.off() + base + i], ti = t[target.off() + base + i];
                sum += element.term(xi, ti);
                g[grad.off() + base + i] = element.gradient(xi, ti) * inv;
            }
            float value = scale * (float) (sum / n);
            int at = loss.off() + item;
            out[at] = accumulate ? out[at] + value : value;
        }
    }
}
