package modarch.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import modarch.backend.Backend;
import modarch.io.Safetensors;
import modarch.model.MlpModel;

/** A trained run brought back from its directory: its config and a model holding one checkpoint. */
public record LoadedRun(TrainConfig config, MlpModel model, String checkpoint, long iteration) {

    /** checkpoint is "last" or "best"; the model is built for batches of up to maxRows examples. */
    public static LoadedRun load(RunDirectory dir, String checkpoint, Backend backend, int maxRows) throws IOException {
        String file = switch (checkpoint) {
            case "last" -> RunDirectory.MODEL_LAST;
            case "best" -> RunDirectory.MODEL_BEST;
            default -> throw new IllegalArgumentException("--checkpoint '" + checkpoint + "' is not allowed: allowed are last, best");
        };
        if (!Files.isDirectory(dir.root())) throw new IOException(dir.root() + " is not a directory");
        TrainConfig config = dir.readConfig();
        Path weights = dir.file(file);
        if (!Files.isRegularFile(weights)) {
            throw new IOException(weights + " does not exist: the run has no " + checkpoint + " checkpoint yet");
        }
        Safetensors.Loaded loaded = Safetensors.read(weights);
        MlpModel model = new MlpModel(backend, config.model(), 1, config.rules(), config.encDim(), config.dim(), maxRows);
        ModelWeights.load(model.params(), 0, loaded.byName(), weights);
        long iteration;
        try {
            iteration = Long.parseLong(loaded.metadata().getOrDefault("iteration", "-1"));
        } catch (NumberFormatException e) {
            throw new IOException(weights + ": metadata 'iteration' is not a number");
        }
        return new LoadedRun(config, model, checkpoint, iteration);
    }
}
