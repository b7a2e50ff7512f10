package modarch.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.backend.Precision;
import modarch.train.EvalCounts;
import modarch.train.TrainConfig;

/**
 * A sweep file expanded: its runs, in file order, and their replica groups (runs of one shape, at most
 * groupSize of them, trained side by side in one pass). A group's index is stable for a given file: Slurm's
 * array task ids are these indices. tensorboard: whether its runs write TensorBoard event files.
 */
public record Sweep(String name, EvalCounts counts, int groupSize, boolean tensorboard, List<SweepRun> runs,
                    List<ReplicaGroup> groups) {
    public Sweep {
        runs = List.copyOf(runs);
        groups = List.copyOf(groups);
    }

    /** Groups runs of one shape in order of first appearance, each shape's runs cut into groups of groupSize. */
    static Sweep of(String name, EvalCounts counts, int groupSize, boolean tensorboard, List<SweepRun> runs) {
        Map<TrainConfig, List<SweepRun>> shapes = new LinkedHashMap<>(); // by the options less the seeds
        for (SweepRun run : runs) {
            shapes.computeIfAbsent(run.config().withSeeds(0, 0), s -> new ArrayList<>()).add(run);
        }
        List<ReplicaGroup> groups = new ArrayList<>();
        for (List<SweepRun> shape : shapes.values()) {
            for (int from = 0; from < shape.size(); from += groupSize) {
                groups.add(new ReplicaGroup(groups.size(), shape.subList(from, Math.min(shape.size(), from + groupSize))));
            }
        }
        return new Sweep(name, counts, groupSize, tensorboard, runs, groups);
    }

    /**
     * Every run in precision, named NAME-PRECISION unless precision is fp32 (so its results get a folder of their
     * own); the runs' ids name the precision as config.json does, so runs that differed by precision alone are one.
     */
    public Sweep withPrecision(Precision precision) {
        Map<String, SweepRun> each = new LinkedHashMap<>();
        for (SweepRun run : runs) {
            SweepRun inPrecision = SweepRun.of(run.config().withPrecision(precision));
            each.putIfAbsent(inPrecision.id(), inPrecision);
        }
        String renamed = precision == Precision.FP32 ? name : name + "-" + precision.key();
        return of(renamed, counts, groupSize, tensorboard, new ArrayList<>(each.values()));
    }
}
