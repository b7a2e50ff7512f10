package modarch.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import modarch.backend.Backend;
import modarch.backend.Backends;
import modarch.io.CorruptFileException;
import modarch.model.ModelKind;
import modarch.model.Registry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica group whose runs' training states disagree cannot resume together: a fault of the files (exit 2, a
 * {@link CorruptFileException} naming the file), not of the environment. One trainer holds both replicas here, as
 * on a GPU (on the CPU, ReplicaShards gives each core its own).
 */
class GroupRestoreTest {
    private static final Backend BACKEND = Backends.select("cpu").backend();
    private static final TrainConfig CONFIG = new TrainConfig(Registry.task("mlp-regression"), ModelKind.MODULAR, 2, 8,
            16, 16, 1e-3, 4, 2, 1, 0);

    @TempDir
    Path tmp;

    private Trainer group() {
        return new Trainer(List.of(CONFIG, CONFIG.withSeeds(2, 0)), "cpu", BACKEND,
                List.of(new RunDirectory(tmp.resolve("seed1")), new RunDirectory(tmp.resolve("seed2"))), false);
    }

    private void trainGroup() throws IOException {
        try (Trainer trainer = group()) {
            trainer.run(false, new Trainer.Listener() { });
        }
    }

    private CorruptFileException resumeFails() {
        try (Trainer trainer = group()) {
            return assertThrows(CorruptFileException.class, () -> trainer.run(true, new Trainer.Listener() { }));
        }
    }

    @Test
    void aReplicaWithoutTrainingStateBesideOnePastIterationZero() throws IOException {
        trainGroup();
        Files.delete(tmp.resolve("seed2").resolve(RunDirectory.TRAINING_STATE));
        Files.delete(tmp.resolve("seed2").resolve(TrainingState.PREVIOUS));
        CorruptFileException e = resumeFails();
        assertTrue(e.getMessage().startsWith(tmp.resolve("seed2").resolve(RunDirectory.TRAINING_STATE) + ": missing"),
                e.getMessage());
        assertTrue(e.getMessage().contains("iteration 4"), e.getMessage());
    }

    @Test
    void aReplicaAheadWithoutThePreviousStateOfTheOthers() throws IOException {
        trainGroup();
        Files.delete(tmp.resolve("seed1").resolve(TrainingState.PREVIOUS));
        Files.move(tmp.resolve("seed2").resolve(TrainingState.PREVIOUS), tmp.resolve("seed2").resolve(RunDirectory.TRAINING_STATE),
                StandardCopyOption.REPLACE_EXISTING);
        CorruptFileException e = resumeFails();
        assertTrue(e.getMessage().startsWith(tmp.resolve("seed1").resolve(RunDirectory.TRAINING_STATE) + ": not at iteration 2"),
                e.getMessage());
    }
}
