package modarch.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.Version;
import modarch.io.CorruptFileException;
import modarch.io.Json;
import modarch.io.Safetensors.Tensor;
import modarch.io.Safetensors;
import modarch.nn.Param;

/**
 * Everything one run (one replica) needs to continue bit-exactly, in one safetensors file that is the commit
 * point of a checkpoint: parameters and Adam moments, and as metadata the iteration, Adam's step, the best
 * selection score and the log lines so far. The data streams are counter-based, so the iteration is their
 * position. The state before the last one is kept beside it ({@link #PREVIOUS}), so replicas of a group whose
 * checkpoint was interrupted half-way can all go back to the same iteration.
 */
public final class TrainingState {
    /** The state of the checkpoint before, kept while a newer one is written. */
    public static final String PREVIOUS = "training_state.previous.safetensors";

    private TrainingState() {
    }

    /** What the metadata holds besides the tensors. */
    public record Progress(long iteration, int adamStep, double bestScore, List<String> logLines) {
    }

    /** One replica's state: its parameter values and Adam moments (replica blocks) and progress. */
    public record Snapshot(float[] values, float[] firstMoment, float[] secondMoment, Progress progress) {
    }

    /** Writes the state as the run's current one; the current one becomes {@link #PREVIOUS}. */
    public static void save(Path file, List<Param> params, Snapshot state) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        tensors.addAll(ModelWeights.tensors(params, state.values(), "param."));
        tensors.addAll(ModelWeights.tensors(params, state.firstMoment(), "adam_m."));
        tensors.addAll(ModelWeights.tensors(params, state.secondMoment(), "adam_v."));
        Progress progress = state.progress();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("engine_version", Version.ENGINE);
        meta.put("iteration", Long.toString(progress.iteration()));
        meta.put("adam_step", Integer.toString(progress.adamStep()));
        meta.put("best_score", Double.toString(progress.bestScore()));
        meta.put("log", Json.MAPPER.writeValueAsString(progress.logLines()));
        if (Files.exists(file)) {
            Files.move(file, file.resolveSibling(PREVIOUS), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
        Safetensors.write(file, tensors, meta);
    }

    /**
     * Reads a state written by {@link #save} for a model with these parameters (blocks of blockSize). Anything the
     * trainer would not have written is refused ({@link CheckpointCheck}) as a {@link CorruptFileException} naming
     * the file.
     */
    public static Snapshot load(Path file, List<Param> params, int blockSize) throws IOException {
        Safetensors.Loaded loaded = Safetensors.read(file);
        Map<String, Tensor> byName = loaded.byName();
        Map<String, String> meta = loaded.metadata();
        String version = meta.get("engine_version");
        if (!Version.ENGINE.equals(version)) {
            throw new CorruptFileException(file, "written by engine " + (version == null ? "< 0.2.0" : version) + ", this is "
                    + Version.ENGINE + ": its data streams differ, so it cannot be resumed; train anew");
        }
        float[] values = block(file, params, byName, "param.", blockSize);
        float[] first = block(file, params, byName, "adam_m.", blockSize);
        float[] second = block(file, params, byName, "adam_v.", blockSize);
        CheckpointCheck.finite(file, params, values, "param.");
        CheckpointCheck.finite(file, params, first, "adam_m.");
        CheckpointCheck.finiteNonNegative(file, params, second, "adam_v.");
        return new Snapshot(values, first, second, CheckpointCheck.progress(file, meta));
    }

    private static float[] block(Path file, List<Param> params, Map<String, Tensor> byName, String prefix, int blockSize)
            throws IOException {
        float[] block = new float[blockSize];
        ModelWeights.load(params, byName, prefix, block, file);
        return block;
    }
}
