package modarch.backend.ops;

import modarch.backend.Mat;
import modarch.backend.Op;
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

    /** max(x, 0) - x t + log(1 + exp(-|x|)) and sigmoid(x) - t. */
    private static final LossLaunch.Element ELEMENT = new LossLaunch.Element() {
        @Override
        public double term(float x, float t) {
            return Math.max(x, 0f) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
        }

        @Override
        public float gradient(float x, float t) {
            float sigmoid = (float) (1.0 / (1.0 + Math.exp(-x)));
            return sigmoid - t;
        }
    };

    @Override
    public void reference(Parallel pool) {
        LossLaunch.reference(ELEMENT, logit, target, grad, loss, scale, accumulate);
    }

    @Override
    public void launch(Gpu gpu) {
        LossLaunch.launch(gpu, "bce_with_logits_loss", logit, target, grad, loss, scale, accumulate);
    }
}
