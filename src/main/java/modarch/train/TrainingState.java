package modarch.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.io.Safetensors;
import modarch.io.Safetensors.Tensor;
import modarch.nn.Param;
import modarch.task.FastRandom;

/**
 * Everything a run needs to continue bit-exactly, in one safetensors file that is the commit point
 * of a checkpoint: parameters and Adam moments of every replica (shape (rep, ...)), and as metadata
 * the iteration, Adam's step, the data streams, the best selection score and the log lines so far.
 */
public final class TrainingState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingState() {
    }

    /** What the metadata holds besides the tensors. */
    public record Progress(long iteration, long adamStep, long[][] trainStreams, long[][] evalStreams,
                           double bestScore, List<String> logLines) {
    }

    public static void save(Path file, List<Param> params, Adam adam, Progress progress) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            int[] shape = withReplicaAxis(p);
            tensors.add(new Tensor("param." + p.name(), shape, p.data()));
            tensors.add(new Tensor("adam_m." + p.name(), shape, adam.firstMoment(i)));
            tensors.add(new Tensor("adam_v." + p.name(), shape, adam.secondMoment(i)));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("iteration", Long.toString(progress.iteration()));
        meta.put("adam_step", Long.toString(progress.adamStep()));
        meta.put("train_streams", JSON.writeValueAsString(progress.trainStreams()));
        meta.put("eval_streams", JSON.writeValueAsString(progress.evalStreams()));
        meta.put("best_score", Double.toString(progress.bestScore()));
        meta.put("log", JSON.writeValueAsString(progress.logLines()));
        Safetensors.write(file, tensors, meta);
    }

    /** Restores parameters and Adam moments in place and returns the rest. */
    public static Progress load(Path file, List<Param> params, Adam adam) throws IOException {
        Safetensors.Loaded loaded = Safetensors.read(file);
        Map<String, Tensor> byName = loaded.byName();
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            int[] shape = withReplicaAxis(p);
            copy(ModelWeights.find(byName, "param." + p.name(), shape, file), p.data());
            copy(ModelWeights.find(byName, "adam_m." + p.name(), shape, file), adam.firstMoment(i));
            copy(ModelWeights.find(byName, "adam_v." + p.name(), shape, file), adam.secondMoment(i));
        }
        Map<String, String> meta = loaded.metadata();
        try {
            long adamStep = Long.parseLong(required(meta, "adam_step", file));
            adam.setStepCount(adamStep);
            return new Progress(
                    Long.parseLong(required(meta, "iteration", file)),
                    adamStep,
                    streams(required(meta, "train_streams", file)),
                    streams(required(meta, "eval_streams", file)),
                    Double.parseDouble(required(meta, "best_score", file)),
                    JSON.readValue(required(meta, "log", file), new TypeReference<List<String>>() { }));
        } catch (NumberFormatException e) {
            throw new IOException(file + ": corrupt training state metadata (" + e.getMessage() + ")");
        }
    }

    private static long[][] streams(String json) throws IOException {
        long[][] states = JSON.readValue(json, long[][].class);
        for (long[] s : states) FastRandom.fromState(s); // validates the length
        return states;
    }

    private static String required(Map<String, String> meta, String key, Path file) throws IOException {
        String value = meta.get(key);
        if (value == null) throw new IOException(file + ": training state lacks '" + key + "'");
        return value;
    }

    private static int[] withReplicaAxis(Param p) {
        int[] shape = p.shape();
        int[] out = new int[shape.length + 1];
        out[0] = p.rep();
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }

    private static void copy(float[] from, float[] to) {
        System.arraycopy(from, 0, to, 0, to.length);
    }
}
