package modarch.train;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import modarch.UserError;
import modarch.backend.Backend;
import modarch.io.IOFaults;
import modarch.io.RunLock;
import modarch.metrics.Adaptation;

/**
 * The content of a run's metrics.json: which checkpoint at which iteration, the counts used, and every measurement
 * of {@link RunEvaluator#all()}. Used by {@code eval} and by sweeps.
 */
public final class RunMeasurement {
    private RunMeasurement() {
    }

    /**
     * Measures the run's checkpoint ("last" or "best"). A checkpoint that does not load is bad input naming the file.
     * notes hears a one-line note when the run is being trained by another process (a snapshot is measured) or when
     * model_last is behind log.jsonl; loaded runs once the model is built, before the measuring starts. ownLock: the
     * caller holds the run's lock (a sweep), so no trainer can be at work on it.
     */
    public static Map<String, Object> measure(RunDirectory dir, String checkpoint, EvalCounts counts, boolean fast,
                                              Backend backend, Consumer<String> notes, Runnable loaded, boolean ownLock)
            throws IOException {
        LoadedRun run;
        try {
            run = LoadedRun.load(dir, checkpoint, backend, counts.batchSize());
        } catch (FileSystemException environment) {
            throw environment;
        } catch (IOException e) {
            throw new UserError(IOFaults.describe(e));
        }
        try (run; RunEvaluator evaluator = new RunEvaluator(backend, run, counts)) {
            loaded.run();
            long start = System.nanoTime();
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("checkpoint", checkpoint);
            metrics.put("iteration", run.iteration());
            long logged = dir.lastLoggedIteration();
            metrics.put("run_iteration", logged);
            Optional<String> trainer = ownLock ? Optional.empty() : RunLock.holder(dir.root());
            metrics.put("snapshot", trainer.isPresent());
            trainer.ifPresent(holder -> notes.accept("modarch: " + dir.root() + " is being trained by " + holder
                    + ": this evaluates a snapshot, its " + checkpoint + " checkpoint at iteration " + run.iteration()));
            if (trainer.isEmpty() && logged != run.iteration() && checkpoint.equals("last")) {
                notes.accept("modarch: note: model_last is at iteration " + run.iteration()
                        + " but log.jsonl ends at " + logged + " (a checkpoint was cut short); both are in the output");
            }
            metrics.put("model", run.config().model().cliName());
            metrics.put("task", run.config().task().cliName());
            metrics.put("rules", run.config().rules());
            metrics.put("seed", run.config().seed());
            metrics.put("data_seed", run.config().dataSeed());
            metrics.put("fast", fast);
            Map<String, Object> countsJson = new LinkedHashMap<>();
            countsJson.put("performance_batches", counts.performanceBatches());
            countsJson.put("activation_batches", counts.activationBatches());
            countsJson.put("adaptation_draws", Adaptation.DRAWS);
            countsJson.put("adaptation_batches", counts.adaptationBatches());
            countsJson.put("batch_size", counts.batchSize());
            metrics.put("counts", countsJson);
            metrics.putAll(evaluator.all());
            metrics.put("seconds", (System.nanoTime() - start) / 1e9);
            return metrics;
        }
    }
}
