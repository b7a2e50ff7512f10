package modarch.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import modarch.UserError;
import modarch.backend.Backend;
import modarch.io.Safetensors;
import modarch.model.Model;
import modarch.model.ModelSpec;

/**
 * A trained run brought back from its directory: its config and a one-replica model holding one checkpoint
 * (iteration -1 when the checkpoint does not record one). A checkpoint with a non-finite weight or an iteration out
 * of range is refused as corrupt: the trainer never writes one.
 */
public record LoadedRun(TrainConfig config, Model model, String checkpoint, long iteration) implements AutoCloseable {

    /** checkpoint is "last" or "best"; the model is built for batches of up to maxExamples examples of any length. */
    public static LoadedRun load(RunDirectory dir, String checkpoint, Backend backend, int maxExamples) throws IOException {
        String file = switch (checkpoint) {
            case "last" -> RunDirectory.MODEL_LAST;
            case "best" -> RunDirectory.MODEL_BEST;
            default -> throw new UserError("--checkpoint '" + checkpoint + "' is not allowed: allowed are last, best");
        };
        if (!Files.isDirectory(dir.root())) throw new IOException(dir.root() + " is not a directory");
        TrainConfig config = dir.readConfig();
        Path weights = dir.file(file);
        if (!Files.isRegularFile(weights)) {
            throw new IOException(weights + " does not exist: the run has no " + checkpoint + " checkpoint yet");
        }
        Safetensors.Loaded loaded = Safetensors.read(weights);
        ModelSpec spec = config.modelSpec();
        BatchRows.check("--eval-batch-size", maxExamples, 1, spec.maxLength());
        Model model = config.task().newModel(backend, 1, spec, Math.multiplyExact(maxExamples, spec.maxLength()));
        try {
            float[] block = new float[model.arena().replicaStride()];
            ModelWeights.load(model.params(), loaded.byName(), "", block, weights);
            CheckpointCheck.finite(weights, model.params(), block, "");
            model.arena().upload(block, model.arena().data(), 0);
            String iteration = loaded.metadata().get("iteration");
            return new LoadedRun(config, model, checkpoint,
                    iteration == null ? -1 : CheckpointCheck.iteration(weights, "iteration", iteration));
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
