package modarch.train;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.Version;
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

    /** Reads a state written by {@link #save} for a model with these parameters (blocks of blockSize). */
    public static Snapshot load(Path file, List<Param> params, int blockSize) throws IOException {
        Safetensors.Loaded loaded = Safetensors.read(file);
        Map<String, Tensor> byName = loaded.byName();
        float[] values = new float[blockSize];
        float[] first = new float[blockSize];
        float[] second = new float[blockSize];
        Map<String, String> meta = loaded.metadata();
        String version = meta.get("engine_version");
        if (!Version.ENGINE.equals(version)) {
            throw new IOException(file + " was written by engine " + (version == null ? "< 0.2.0" : version)
                    + ", this is " + Version.ENGINE + ": its data streams differ, so it cannot be resumed; train anew");
        }
        ModelWeights.load(params, byName, "param.", values, file);
        ModelWeights.load(params, byName, "adam_m.", first, file);
        ModelWeights.load(params, byName, "adam_v.", second, file);
        try {
            Progress progress = new Progress(
                    Long.parseLong(required(meta, "iteration", file)),
                    Integer.parseInt(required(meta, "adam_step", file)),
                    Double.parseDouble(required(meta, "best_score", file)),
                    Json.MAPPER.readValue(required(meta, "log", file), new TypeReference<List<String>>() { }));
            return new Snapshot(values, first, second, progress);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": corrupt training state metadata (" + e.getMessage() + ")");
        }
    }

    private static String required(Map<String, String> meta, String key, Path file) throws IOException {
        String value = meta.get(key);
        if (value == null) throw new IOException(file + ": training state lacks '" + key + "'");
        return value;
    }
}
