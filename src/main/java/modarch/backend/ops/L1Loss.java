package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
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

    @Override
    public void reference(Parallel pool) {
        float[] pred = Host.floats(this.pred), target = Host.floats(this.target), grad = Host.floats(this.grad);
        float[] loss = Host.floats(this.loss);
        int batch = this.pred.rows(), n = this.pred.cols();
        int predOff = this.pred.off(), targetOff = this.target.off(), gradOff = this.grad.off();
        int lossOff = this.loss.off();
        float inv = 1f / n;
        for (int item = 0; item < batch; item++) {
            int base = item * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float d = pred[predOff + base + i] - target[targetOff + base + i];
                sum += Math.abs(d);
                grad[gradOff + base + i] = Math.signum(d) * inv;
            }
            LossLaunch.store(loss, lossOff + item, scale * (float) (sum / n), accumulate);
        }
    }

    @Override
    public void launch(Gpu gpu) {
        LossLaunch.launch(gpu, "l1_loss", pred, target, grad, loss, scale, accumulate);
    }
}
