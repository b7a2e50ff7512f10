package modarch.train;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import modarch.io.tensorboard.EventWriter;
import modarch.io.tensorboard.HParams;
import modarch.io.tensorboard.Heatmap;
import modarch.io.tensorboard.Summary;

/**
 * A run's TensorBoard event files: what the trainer logs at each evaluation, eval's measurements and the HParams
 * plugin's summaries, so that {@code tensorboard --logdir} shows a run's curves live and compares a folder of runs.
 * Tags, grouped into TensorBoard's panels:
 * <ul>
 * <li>{@code loss/train}, {@code loss/eval}, {@code loss/eval_accuracy}: log.jsonl's train_loss, eval_loss and
 * eval_accuracy (in distribution); {@code ood/eval}, {@code ood/eval_accuracy}: eval_ood_loss and
 * eval_ood_accuracy; for a sequence task the same at every evaluation length L, suffixed {@code _len_L};</li>
 * <li>{@code routing/load_balance_loss}, {@code routing/router_z_loss}, {@code routing/routing_mi}: the routing
 * regularisers' terms, when set;</li>
 * <li>{@code metrics/KEY}: every measurement of metrics.json (collapse, alignment, adaptation, mutual information,
 * final losses and errors) at its checkpoint's iteration, and the image {@code metrics/activation_matrix} (rows
 * rules, columns modules).</li>
 * </ul>
 * Accuracies and the training loss at iteration 0 are absent where log.jsonl has none (NaN).
 */
public final class TensorBoardLog implements Closeable {
    /** log.jsonl's keys of an evaluation at one length, and their tags. */
    private static final Map<String, String> EVALUATION_TAGS = Map.of(
            "train_loss", "loss/train",
            "eval_loss", "loss/eval",
            "eval_accuracy", "loss/eval_accuracy",
            "eval_ood_loss", "ood/eval",
            "eval_ood_accuracy", "ood/eval_accuracy");
    /**
     * What config.json may hold, whatever the family (TrainConfig.toMap() and the trainer's keys): the experiment's
     * hyperparameters, the same in every run so that a folder of runs of several families shows all of them (after
     * them, a run's keys beyond these).
     */
    private static final List<String> STRING_HPARAMS = List.of("task", "model", "device", "backend", "engine_version");
    private static final List<String> NUMBER_HPARAMS = List.of("rules", "enc_dim", "dim", "h_dim", "att_dim", "d_dim",
            "order", "seq_len", "search_version", "attention_topk", "load_balance", "router_z_loss", "mi_loss",
            "router_topk", "batch_size", "lr", "iterations", "eval_every", "seed", "data_seed", "parameters");
    /** The hyperparameters the HParams tab shows at first: what tells a sweep's runs apart, capacity included. */
    private static final Set<String> SHOWN_HPARAMS = Set.of("task", "model", "rules", "dim", "parameters");
    /** The options config.json holds only when set; the HParams tab shows them as 0, their default, otherwise. */
    private static final List<String> REMEDY_KEYS = List.of("load_balance", "router_z_loss", "mi_loss", "router_topk");
    /** The options in which the replicas of a group differ, left out of the HParams group's name. */
    private static final Set<String> SEED_KEYS = Set.of("seed", "data_seed");
    /** metrics.json's numbers that describe the run rather than measure it. */
    private static final Set<String> RUN_KEYS = Set.of("iteration", "run_iteration", "rules", "seed", "data_seed",
            "seconds");
    /** The HParams table's metric columns (the last value of each; the first 5 shown at first). */
    private static final List<String> METRIC_TAGS = List.of("loss/eval", "ood/eval", "metrics/collapse_avg",
            "metrics/alignment", "metrics/adaptation", "metrics/collapse_worst", "metrics/inverse_mutual_information",
            "loss/train", "loss/eval_accuracy", "ood/eval_accuracy", "metrics/loss", "metrics/ood_loss",
            "metrics/error", "metrics/ood_error");
    private static final String ACTIVATION_MATRIX = "activation_matrix";

    private final EventWriter writer;

    private TensorBoardLog(EventWriter writer) {
        this.writer = writer;
    }

    /**
     * A new event file for training runDir, whose options are config (config.json's content), opened with its HParams
     * summaries. resumedFrom: the iteration of the checkpoint a resume starts from, or -1 for a fresh run; the file
     * then marks a restart at resumedFrom + 1, so that TensorBoard drops what earlier files logged after the
     * checkpoint.
     */
    public static TensorBoardLog open(Path runDir, Map<String, Object> config, long resumedFrom) throws IOException {
        EventWriter writer = EventWriter.create(runDir);
        try {
            writer.sessionStart(resumedFrom + 1);
            Map<String, Object> hparams = hparams(config);
            writer.write(0, HParams.experiment(experimentHParams(hparams), SHOWN_HPARAMS, METRIC_TAGS));
            writer.write(0, HParams.sessionStart(hparams, groupName(hparams)));
            writer.flush();
        } catch (IOException | RuntimeException e) {
            writer.close();
            throw e;
        }
        return new TensorBoardLog(writer);
    }

    /** One evaluation, a line of log.jsonl as a map (its iteration is the step), written and forced to disk. */
    public void evaluation(Map<String, Object> logLine) throws IOException {
        Summary summary = new Summary();
        addEvaluation(summary, logLine, "");
        if (logLine.get("eval_by_length") instanceof List<?> lengths) {
            for (Object length : lengths) {
                Map<?, ?> atLength = (Map<?, ?>) length;
                addEvaluation(summary, atLength, "_len_" + atLength.get("length"));
            }
        }
        for (String term : Trainer.TERM_KEYS) addScalar(summary, "routing/" + term, logLine.get(term));
        writer.write(((Number) logLine.get("iteration")).longValue(), summary);
        writer.flush();
    }

    /** The run ended: the HParams session's status, SUCCESS or FAILURE (a diverged replica). */
    public void finished(boolean succeeded) throws IOException {
        writer.write(0, HParams.sessionEnd(succeeded));
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    /** Whether runDir's run keeps TensorBoard event files: it has one (a run trained with --no-tensorboard has none). */
    public static boolean kept(Path runDir) throws IOException {
        try (Stream<Path> files = Files.list(runDir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith(EventWriter.FILE_PREFIX));
        }
    }

    /**
     * Adds a measurement, metrics.json's content as a map (activation_matrix a double[][]), to runDir's event files
     * (a file of its own, one per measured iteration: training may still be writing its own, and a measurement taken
     * again replaces it), at the measured checkpoint's iteration.
     */
    public static void writeMetrics(Path runDir, Map<String, Object> metrics) throws IOException {
        Summary summary = new Summary();
        metrics.forEach((key, value) -> {
            if (!RUN_KEYS.contains(key)) addScalar(summary, "metrics/" + key, value);
        });
        Object matrix = metrics.get(ACTIVATION_MATRIX);
        if (matrix != null) summary.image("metrics/" + ACTIVATION_MATRIX, Heatmap.of((double[][]) matrix));
        long iteration = ((Number) metrics.get("iteration")).longValue();
        EventWriter.writeWhole(runDir, "measurement-" + iteration, iteration, summary);
    }

    /** The options with the unset remedies as 0. */
    static Map<String, Object> hparams(Map<String, Object> config) {
        Map<String, Object> hparams = new LinkedHashMap<>(config);
        for (String remedy : REMEDY_KEYS) hparams.putIfAbsent(remedy, 0);
        return hparams;
    }

    /** Every hyperparameter any run may have, then the run's others, with their types. */
    private static Map<String, HParams.Type> experimentHParams(Map<String, Object> hparams) {
        Map<String, HParams.Type> types = new LinkedHashMap<>();
        for (String name : STRING_HPARAMS) types.put(name, HParams.Type.STRING);
        for (String name : NUMBER_HPARAMS) types.put(name, HParams.Type.NUMBER);
        hparams.forEach((name, value) -> types.putIfAbsent(name, HParams.Type.of(value)));
        return types;
    }

    /** The options but the seeds, as key=value pairs: the same for every replica of a group. */
    static String groupName(Map<String, Object> hparams) {
        return hparams.entrySet().stream().filter(e -> !SEED_KEYS.contains(e.getKey()))
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    private static void addEvaluation(Summary summary, Map<?, ?> values, String suffix) {
        EVALUATION_TAGS.forEach((key, tag) -> addScalar(summary, tag + suffix, values.get(key)));
    }

    /** A number as a scalar; NaN (no value) and anything else are left out. */
    private static void addScalar(Summary summary, String tag, Object value) {
        if (value instanceof Number n && !Double.isNaN(n.doubleValue())) summary.scalar(tag, n.doubleValue());
    }
}
