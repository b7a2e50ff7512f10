package modarch.model;

import modarch.backend.Backend;
import modarch.task.Task;

/**
 * A task family: how to make its task instances and its models, its default options, and its training recipe's
 * gradient-norm clip (0: none) and iterations (the reference's main.py).
 */
public record Family(String name, TaskFactory tasks, ModelFactory models, FamilyOptions defaults, float maxGradNorm,
                     long defaultIterations) {

    /** True for the families whose examples are sequences with attention (options att_dim, search version, ...). */
    public boolean attention() {
        return defaults.attDim() > 0;
    }

    /** True for the families whose examples are sequences of a recurrent system (options d_dim, order, ...). */
    public boolean recurrent() {
        return defaults.dDim() > 0;
    }

    @FunctionalInterface
    public interface TaskFactory {
        Task create(int rules, long dataSeed, boolean classification, FamilyOptions options);
    }

    @FunctionalInterface
    public interface ModelFactory {
        Model create(Backend backend, int rep, ModelSpec spec, int maxRows);
    }
}
