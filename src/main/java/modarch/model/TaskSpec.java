package modarch.model;

import modarch.backend.Backend;
import modarch.task.Task;

/** A task name of the command line (e.g. mlp-regression): its family and whether it classifies. */
public record TaskSpec(String cliName, Family family, boolean classification) {

    /** The task instance of a data seed with the family's options. */
    public Task newTask(int rules, long dataSeed, FamilyOptions options) {
        if (options.family() != family) {
            throw new IllegalArgumentException(options + " are not options of the " + family + " family");
        }
        return options.newTask(rules, dataSeed, classification);
    }

    /** The task instance of a data seed, with the family's default options. */
    public Task newTask(int rules, long dataSeed) {
        return newTask(rules, dataSeed, family.defaults());
    }

    /** A model of rep replicas for batches of up to maxRows rows per replica. */
    public Model newModel(Backend backend, int rep, ModelSpec spec, int maxRows) {
        return family.newModel(backend, rep, spec, maxRows);
    }

    @Override
    public String toString() {
        return cliName;
    }
}
