package modarch.sweep;

import java.nio.file.Path;
import modarch.train.RunDirectory;
import modarch.train.Capacity;
import modarch.train.RunId;
import modarch.train.TrainConfig;

/** One run of a sweep: its options and its stable id, which names its directory. */
public record SweepRun(TrainConfig config, String id) {
    public static SweepRun of(TrainConfig config) {
        return new SweepRun(config, RunId.of(config));
    }

    /** RESULTS/runs/TASK/KIND-rR-AxB-dataD-seedS-ID: readable, and unique by its id. */
    public RunDirectory dir(Path results) {
        return new RunDirectory(results.resolve("runs").resolve(config.task().cliName()).resolve(name()));
    }

    public String name() {
        return config.model().cliName() + "-r" + config.rules() + "-" + Capacity.of(config) + "-data"
                + config.dataSeed() + "-seed" + config.seed() + "-" + id;
    }
}
