package modarch.model;

import modarch.backend.Backend;
import modarch.task.Task;

/**
 * A task family: how to make its task instances and its models, its default options, and the gradient-norm clip
 * of its training recipe (0: none).
 */
public record Family(String name, TaskFactory tasks, ModelFactory models, FamilyOptions defaults, float maxGradNorm) {

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
