package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
import modarch.backend.cpu.Host;
import modarch.backend.cpu.Parallel;
import modarch.backend.cuda.Gpu;

/**
 * Mean binary cross-entropy with logits of each of the rows (items) of logit (batch, n),
 * {@code mean(max(x, 0) - x t + log(1 + exp(-|x|)))}, with gradient {@code (sigmoid(x) - t) / n}; otherwise as
 * {@link L1Loss}. On the GPU: loss.cu's bce_with_logits_loss.
 */
public record BceWithLogitsLoss(Mat logit, Mat target, Mat grad, Mat loss, float scale, boolean accumulate)
        implements Op {
    public BceWithLogitsLoss {
        LossLaunch.check("bceWithLogitsLoss", logit, target, grad, loss);
    }

    @Override
    public void reference(Parallel pool) {
        float[] logit = Host.floats(this.logit), target = Host.floats(this.target), grad = Host.floats(this.grad);
        float[] loss = Host.floats(this.loss);
        int batch = this.logit.rows(), n = this.logit.cols();
        int logitOff = this.logit.off(), targetOff = this.target.off(), gradOff = this.grad.off();
        int lossOff = this.loss.off();
        float inv = 1f / n;
        for (int item = 0; item < batch; item++) {
            int base = item * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float x = logit[logitOff + base + i];
                float t = target[targetOff + base + i];
                sum += Math.max(x, 0f) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
                float sigmoid = (float) (1.0 / (1.0 + Math.exp(-x)));
                grad[gradOff + base + i] = (sigmoid - t) * inv;
            }
            LossLaunch.store(loss, lossOff + item, scale * (float) (sum / n), accumulate);
        }
    }

    @Override
    public void launch(Gpu gpu) {
        LossLaunch.launch(gpu, "bce_with_logits_loss", logit, target, grad, loss, scale, accumulate);
    }
}
