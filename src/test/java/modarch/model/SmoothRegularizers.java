package modarch.model;

import java.util.function.DoubleSupplier;
import modarch.backend.Backend;
import modarch.nn.GradCheck;
import modarch.nn.RouterRegularization;

/**
 * The part of a regularised model's objective that finite differences can check: the z-loss and the mutual
 * information, weighted as the model's gradient has them ({@code zLoss z - miLoss MI}, summed over replicas). The
 * load balance is piecewise constant in its f (an argmax) and is checked at the op (RouterRegularizersTest).
 */
final class SmoothRegularizers {
    private SmoothRegularizers() {
    }

    /** The weighted smooth terms of model's last forward, read when asked. */
    static DoubleSupplier of(Backend backend, Model model, RouterRegularization weights) {
        return () -> {
            float[] terms = GradCheck.read(backend, model.regularizerTerms(), 3 * model.rep());
            double regular = 0;
            for (int r = 0; r < model.rep(); r++) {
                regular += weights.zLoss() * terms[3 * r + 1] - weights.miLoss() * terms[3 * r + 2];
            }
            return regular;
        };
    }
}
