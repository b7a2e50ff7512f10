package modarch.model;

import modarch.backend.Backend;
import modarch.task.Task;

/** A task family: how to make its task instances and its models, and its default options. */
public record Family(String name, TaskFactory tasks, ModelFactory models, FamilyOptions defaults) {

    /** True for the families whose examples are sequences with attention (options att_dim, search version, ...). */
    public boolean attention() {
        return defaults.attDim() > 0;
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
