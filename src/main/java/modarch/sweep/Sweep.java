package modarch.sweep;

import java.util.ArrayList;
import java.util.List;
import modarch.train.EvalCounts;

/**
 * A sweep file expanded: its runs, in file order, and their replica groups (runs of one shape, at most
 * groupSize of them, trained side by side in one pass). A group's index is stable for a given file: Slurm's
 * array task ids are these indices.
 */
public record Sweep(String name, EvalCounts counts, int groupSize, List<SweepRun> runs, List<ReplicaGroup> groups) {
    public Sweep {
        runs = List.copyOf(runs);
        groups = List.copyOf(groups);
    }

    /** Groups runs of one shape in order of first appearance, each shape's runs cut into groups of groupSize. */
    static Sweep of(String name, EvalCounts counts, int groupSize, List<SweepRun> runs) {
        List<List<SweepRun>> shapes = new ArrayList<>();
        for (SweepRun run : runs) {
            List<SweepRun> shape = shapes.stream().filter(s -> s.get(0).config().sameShape(run.config())).findFirst()
                    .orElse(null);
            if (shape == null) {
                shape = new ArrayList<>();
                shapes.add(shape);
            }
            shape.add(run);
        }
        List<ReplicaGroup> groups = new ArrayList<>();
        for (List<SweepRun> shape : shapes) {
            for (int from = 0; from < shape.size(); from += groupSize) {
                groups.add(new ReplicaGroup(groups.size(), shape.subList(from, Math.min(shape.size(), from + groupSize))));
            }
        }
        return new Sweep(name, counts, groupSize, runs, groups);
    }
}
