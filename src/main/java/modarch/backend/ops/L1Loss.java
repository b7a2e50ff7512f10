package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;

/**
 * Mean L1 loss of each of the rows (items) of pred (batch, n): {@code mean |p - t|}, summed in double; writes the
 * gradient {@code sign(p - t) / n} (sign(0) = 0, as PyTorch) into grad (batch, n) and
 * {@code loss[i] = (accumulate ? loss[i] : 0) + scale * mean} for item i. pred, target and grad are contiguous.
 * On the GPU: loss.cu's l1_loss.
 */
public record L1Loss(Mat pred, Mat target, Mat grad, Mat loss, float scale, boolean accumulate) implements Op {
    public L1Loss {
        LossLaunch.check("l1Loss", pred, target, grad, loss);
    }

    /** |p - t| and its sign (sign(0) = 0). */
    private static final LossLaunch.Element ELEMENT = new LossLaunch.Element() {
        @Override
        public double term(float p, float t) {
            return Math.abs(p - t);
        }

        @Override
        public float gradient(float p, float t) {
            return Math.signum(p - t);
        }
    };

    @Override
    public void reference(Parallel pool) {
        LossLaunch.reference(ELEMENT, pred, target, grad, loss, scale, accumulate);
    }

    @Override
    public void launch(Gpu gpu) {
        LossLaunch.launch(gpu, "l1_loss", pred, target, grad, loss, scale, accumulate);
    }
}
