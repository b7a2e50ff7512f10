package modarch.sweep;

import java.util.List;
import modarch.train.Capacity;
import modarch.train.TrainConfig;

/** Runs of one shape (they differ only in their seeds), trained side by side in one pass; index is its place in the sweep. */
public record ReplicaGroup(int index, List<SweepRun> runs) {
    public ReplicaGroup {
        runs = List.copyOf(runs);
    }

    /** The shape every run shares. */
    public TrainConfig shape() {
        return runs.get(0).config();
    }

    /** "modular r8 32x128 mlp-regression (4 runs)", for progress lines. */
    public String describe() {
        TrainConfig c = shape();
        return c.task().cliName() + " " + c.model().cliName() + " r" + c.rules() + " " + Capacity.of(c)
                + " (" + runs.size() + (runs.size() == 1 ? " run)" : " runs)");
    }
}
