package modarch.model;

import modarch.backend.Backend;
import modarch.task.Task;

/** A task family: how to make its task instances and its models. */
public record Family(String name, TaskFactory tasks, ModelFactory models) {

    @FunctionalInterface
    public interface TaskFactory {
        Task create(int rules, long dataSeed, boolean classification);
    }

    @FunctionalInterface
    public interface ModelFactory {
        Model create(Backend backend, int rep, ModelSpec spec, int maxRows);
    }
}
