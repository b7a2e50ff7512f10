package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.cuda.Gpu;
import modarch.backend.cuda.KernelArgs;
import modarch.backend.cuda.KernelGeometry;

/**
 * What the two losses share: their operands' check, and their launch, one block of LOSS_THREADS per item; loss.cu's
 * kernels take (n, pred, target, grad, loss, scale, accumulate).
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

    /** {@code loss[index] = (accumulate ? loss[index] : 0) + value}. */
    static void store(float[] loss, int index, float value, boolean accumulate) {
        loss[index] = accumulate ? loss[index] + value : value;
    }
}
