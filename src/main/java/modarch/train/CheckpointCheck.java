package modarch.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import modarch.AsciiNumbers;
import modarch.io.CorruptFileException;
import modarch.io.Json;
import modarch.nn.Param;

/**
 * What a checkpoint file must hold before anything of it is used (a hand-edited or damaged file is refused,
 * naming the file, rather than trained on or measured): finite parameters and Adam moments, a second moment
 * that is a mean of squares, an iteration and Adam step in range and equal (one step per iteration), a finite
 * best score, and a log of evaluations from iteration 0 up to the state's own. The trainer writes only states
 * that pass, so the last good checkpoint is one that passes.
 */
final class CheckpointCheck {
    /** The largest iteration: Adam's step counter is an int, and it counts one step per iteration. */
    static final long MAX_ITERATION = Integer.MAX_VALUE;

    private CheckpointCheck() {
    }

    /** Every parameter of block, a replica block read from tensors named prefix + the parameter's name, is finite. */
    static void finite(Path file, List<Param> params, float[] block, String prefix) throws CorruptFileException {
        check(file, params, block, prefix, false);
    }

    /** As {@link #finite}, and no value is negative (Adam's second moment, a running mean of squared gradients). */
    static void finiteNonNegative(Path file, List<Param> params, float[] block, String prefix) throws CorruptFileException {
        check(file, params, block, prefix, true);
    }

    private static void check(Path file, List<Param> params, float[] block, String prefix, boolean nonNegative)
            throws CorruptFileException {
        for (Param p : params) {
            for (int i = 0; i < p.size(); i++) {
                float v = block[p.start() + i];
                if (!Float.isFinite(v)) {
                    throw new CorruptFileException(file, "tensor '" + prefix + p.name() + "'[" + i + "] is non-finite ("
                            + v + "): the trainer writes finite values only");
                }
                if (nonNegative && v < 0) {
                    throw new CorruptFileException(file, "tensor '" + prefix + p.name() + "'[" + i + "] is negative (" + v
                            + "): Adam's second moment is a mean of squares");
                }
            }
        }
    }

    /** The metadata value key as an iteration, 0..{@link #MAX_ITERATION}. */
    static long iteration(Path file, String key, String text) throws CorruptFileException {
        long iteration;
        try {
            iteration = AsciiNumbers.parseLong(text);
        } catch (NumberFormatException e) {
            throw new CorruptFileException(file, "metadata '" + key + "' is " + quoted(text) + ", not an integer");
        }
        if (iteration < 0 || iteration > MAX_ITERATION) {
            throw new CorruptFileException(file, "metadata '" + key + "' is " + iteration + ": an iteration is in 0.."
                    + MAX_ITERATION);
        }
        return iteration;
    }

    /** The progress a training state's metadata records, each value checked against the others. */
    static TrainingState.Progress progress(Path file, Map<String, String> meta) throws CorruptFileException {
        long iteration = iteration(file, "iteration", required(file, meta, "iteration"));
        long adamStep = iteration(file, "adam_step", required(file, meta, "adam_step"));
        if (adamStep != iteration) {
            throw new CorruptFileException(file, "metadata 'adam_step' is " + adamStep + " but 'iteration' is " + iteration
                    + ": training takes one Adam step per iteration");
        }
        double best = bestScore(file, required(file, meta, "best_score"));
        List<String> log = log(file, required(file, meta, "log"), iteration);
        return new TrainingState.Progress(iteration, (int) adamStep, best, log);
    }

    private static double bestScore(Path file, String text) throws CorruptFileException {
        double best;
        try {
            best = AsciiNumbers.parseDouble(text);
        } catch (NumberFormatException e) {
            best = Double.NaN;
        }
        if (!Double.isFinite(best)) {
            throw new CorruptFileException(file, "metadata 'best_score' is " + quoted(text) + ": it must be a finite number"
                    + " (the best evaluation so far)");
        }
        return best;
    }

    /** The log lines: JSON objects whose integer iterations rise from 0 to the state's iteration. */
    private static List<String> log(Path file, String text, long iteration) throws CorruptFileException {
        List<String> lines;
        try {
            lines = Json.MAPPER.readValue(text, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new CorruptFileException(file, "metadata 'log' is not a JSON list of strings (the log's lines)");
        }
        if (lines == null || lines.isEmpty()) {
            throw new CorruptFileException(file, "metadata 'log' holds no line: every state has the evaluation of iteration 0");
        }
        long previous = -1;
        for (int i = 0; i < lines.size(); i++) {
            long at = logged(file, i, lines.get(i));
            if (i == 0 ? at != 0 : at <= previous) {
                throw new CorruptFileException(file, "metadata 'log' line " + (i + 1) + " is at iteration " + at
                        + (i == 0 ? ": the log starts at iteration 0" : ", not after the line before (" + previous + ")"));
            }
            previous = at;
        }
        if (previous != iteration) {
            throw new CorruptFileException(file, "metadata 'log' ends at iteration " + previous + " but 'iteration' is "
                    + iteration + ": a state's last log line is its own evaluation");
        }
        return lines;
    }

    /** The iteration of log line i (0-based). */
    private static long logged(Path file, int i, String line) throws CorruptFileException {
        JsonNode node;
        try {
            node = line == null ? null : Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            node = null;
        }
        JsonNode at = node == null || !node.isObject() ? null : node.get("iteration");
        if (at == null || !at.isIntegralNumber() || !at.canConvertToLong()) {
            throw new CorruptFileException(file, "metadata 'log' line " + (i + 1) + " is not a JSON object with an integer"
                    + " \"iteration\"");
        }
        return at.asLong();
    }

    private static String required(Path file, Map<String, String> meta, String key) throws CorruptFileException {
        String value = meta.get(key);
        if (value == null) throw new CorruptFileException(file, "training state lacks metadata '" + key + "'");
        return value;
    }

    private static String quoted(String text) {
        String shown = text.length() <= 40 ? text : text.substring(0, 37) + "...";
        return "'" + shown + "'";
    }
}
