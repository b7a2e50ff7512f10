package modarch.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import modarch.backend.Backend;
import modarch.backend.cpu.ScalarBackend;
import org.junit.jupiter.api.Test;

/** The backend's two losses: value against the definition, gradient against finite differences. */
class LossGradientTest {
    private static final int N = 12;   // rep 2 x rows 6
    private static final int OFF = 5; // predictions, targets and gradients live at offsets in larger arrays

    private final Backend backend = new ScalarBackend();

    @Test
    void l1Loss() {
        SplittableRandom rng = new SplittableRandom(50);
        float[] pred = GradCheck.uniform(rng, N + 2 * OFF, 2);
        float[] target = new float[N + 3 * OFF];
        for (int i = 0; i < N; i++) {
            // keep |p - t| >= 0.1 so the +-eps perturbation never crosses the kink at p = t
            double gap = rng.nextDouble(0.1, 1.5) * (rng.nextBoolean() ? 1 : -1);
            target[2 * OFF + i] = (float) (pred[OFF + i] - gap);
        }
        float[] grad = new float[N + OFF];
        double loss = backend.l1Loss(N, pred, OFF, target, 2 * OFF, grad, OFF);
        double expected = 0;
        for (int i = 0; i < N; i++) expected += Math.abs((double) pred[OFF + i] - target[2 * OFF + i]);
        assertEquals(expected / N, loss, 1e-6);
        for (int i = 0; i < OFF; i++) assertEquals(0f, grad[i], 0f, "wrote below the gradient offset");

        float[] scratch = new float[grad.length];
        GradCheck check = new GradCheck(() -> backend.l1Loss(N, pred, OFF, target, 2 * OFF, scratch, OFF),
                List.of(), 51, 100);
        check.check("l1 dpred", pred, OFF, N, grad, OFF);
        check.assertPassed();
    }

    @Test
    void bceWithLogitsLoss() {
        SplittableRandom rng = new SplittableRandom(52);
        float[] logit = GradCheck.uniform(rng, N + OFF, 3);
        logit[OFF] = 30f;     // large magnitudes: the stable form must not overflow
        logit[OFF + 1] = -30f;
        float[] target = new float[N + OFF];
        for (int i = 0; i < N; i++) target[i] = rng.nextBoolean() ? 1f : 0f;
        target[0] = 0f;
        target[1] = 1f;
        float[] grad = new float[N + 2 * OFF];
        double loss = backend.bceWithLogitsLoss(N, logit, OFF, target, 0, grad, 2 * OFF);
        double expected = 0;
        for (int i = 0; i < N; i++) {
            double x = logit[OFF + i], t = target[i];
            double p = 1 / (1 + Math.exp(-x));
            // -[t log p + (1-t) log(1-p)], written with log1p for the tails
            expected += -(t * -Math.log1p(Math.exp(-x)) + (1 - t) * -Math.log1p(Math.exp(x)));
            assertEquals((p - t) / N, grad[2 * OFF + i], 1e-7);
        }
        assertEquals(expected / N, loss, 1e-6);

        float[] scratch = new float[grad.length];
        GradCheck check = new GradCheck(() -> backend.bceWithLogitsLoss(N, logit, OFF, target, 0, scratch, 2 * OFF),
                List.of(), 53, 100);
        check.check("bce dlogit", logit, OFF, N, grad, 2 * OFF);
        check.assertPassed();
    }
}
