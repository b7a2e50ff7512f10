package modarch.model;

import modarch.backend.Backend;
import modarch.task.Task;

/** A task name of the command line (e.g. mlp-regression): its family and whether it classifies. */
public record TaskSpec(String cliName, Family family, boolean classification) {

    /** The task instance of a data seed (with the family's options; {@link FamilyOptions#NONE} for the MLP family). */
    public Task newTask(int rules, long dataSeed, FamilyOptions options) {
        return family.tasks().create(rules, dataSeed, classification, options);
    }

    /** The task instance of a data seed, with the family's default options. */
    public Task newTask(int rules, long dataSeed) {
        return newTask(rules, dataSeed, family.defaults());
    }

    /** A model of rep replicas for batches of up to maxRows rows per replica. */
    public Model newModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        return family.models().create(backend, rep, spec, maxRows);
    }

    @Override
    public String toString() {
        return cliName;
    }
}
