package modarch.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import modarch.Checks;
import modarch.backend.Backend;
import modarch.metrics.ActivationMatrix;
import modarch.metrics.Adaptation;
import modarch.metrics.RoutingMetrics;
import modarch.model.Model;
import modarch.task.Batch;
import modarch.task.DataStream;
import modarch.task.Task;

/**
 * The paper's measurements of one trained model, as the reference's perf.py, prob.py and spec.py
 * compute them: performance on fresh batches (in distribution and OoD), the activation matrix
 * and the routing metrics from it, and adaptation to Dirichlet-drawn rule distributions. Every
 * pass is forward only, batched, into buffers made once; data from the PERFORMANCE, ACTIVATION and
 * ADAPTATION streams of the run's seed.
 */
public final class RunEvaluator implements AutoCloseable {
    private final Backend backend;
    private final Model model;
    private final TrainConfig config;
    private final EvalCounts counts;
    private final Task[] task;
    private final long[] seed;
    private final Batch batch;
    private final int length;

    public RunEvaluator(Backend backend, LoadedRun run, EvalCounts counts) {
        this.backend = backend;
        this.model = run.model();
        this.config = run.config();
        this.counts = counts;
        this.task = new Task[] {config.newTask(config.dataSeed())};
        this.seed = new long[] {config.seed()};
        this.length = task[0].trainLength();
        this.batch = new Batch(backend, 1, counts.batchSize() * length, task[0].inputWidth(), task[0].labelWidth());
    }

    /**
     * Mean loss (and error %) in distribution and OoD at the training length, keys loss, ood_loss[, error,
     * ood_error]; for a sequence task the same at every evaluation length L too, keys loss_len_L, ood_loss_len_L[,
     * error_len_L, ood_error_len_L]. Length i of n reads batches 2 i B.. of the PERFORMANCE stream (B batches ID,
     * then B OoD).
     */
    public Map<String, Object> performance() {
        double[] loss = new double[1];
        double[] accuracy = new double[1];
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> byLength = new LinkedHashMap<>();
        int batches = counts.performanceBatches();
        int[] lengths = Trainer.evaluationLengths(task[0]);
        try (Evaluator evaluator = new Evaluator(backend, model, task, seed,
                Loss.forTask(config.task().classification()), counts.batchSize(), lengths[lengths.length - 1])) {
            for (int i = 0; i < lengths.length; i++) {
                for (boolean ood : new boolean[] {false, true}) {
                    long first = 2L * i * batches + (ood ? batches : 0);
                    evaluator.evaluate(DataStream.PERFORMANCE, first, batches, lengths[i], ood, loss, accuracy);
                    String prefix = ood ? "ood_" : "";
                    String suffix = "_len_" + lengths[i];
                    if (lengths[i] == length) putPerformance(out, prefix, "", loss[0], accuracy[0]);
                    if (lengths.length > 1) putPerformance(byLength, prefix, suffix, loss[0], accuracy[0]);
                }
            }
        }
        out.putAll(byLength);
        return out;
    }

    private void putPerformance(Map<String, Object> out, String prefix, String suffix, double loss, double accuracy) {
        out.put(prefix + "loss" + suffix, loss);
        if (config.task().classification()) out.put(prefix + "error" + suffix, 100.0 - accuracy);
    }

    /** The joint activation matrix P (R, R) over uniformly drawn rules. */
    public double[][] activationMatrix() {
        ActivationMatrix matrix = new ActivationMatrix(config.rules());
        int rows = counts.batchSize() * length;
        float[] scores = new float[rows * config.rules()];
        int[] rules = new int[rows];
        for (int i = 0; i < counts.activationBatches(); i++) {
            batch.fill(task, seed, DataStream.ACTIVATION, i, counts.batchSize(), length, false, null);
            model.forwardScores(batch);
            download(scores, rules, rows);
            matrix.add(scores, rules, rows);
        }
        return matrix.joint();
    }

    /** spec.py: mean over 100 Dirichlet(1) rule distributions of the sorted-score distance. */
    public double adaptation() {
        int rows = counts.batchSize() * length;
        int rules = config.rules();
        float[] scores = new float[rows * rules];
        double[] mean = new double[rules];
        int[] draw = {0};
        return Adaptation.mean(rules, q -> {
            Arrays.fill(mean, 0.0);
            for (int i = 0; i < counts.adaptationBatches(); i++) {
                long index = (long) draw[0] * counts.adaptationBatches() + i;
                batch.fill(task, seed, DataStream.ADAPTATION, index, counts.batchSize(), length, false, q);
                model.forwardScores(batch);
                backend.download(model.scores(), 0, scores, 0, scores.length); // scores is (rows, R)
                for (int n = 0; n < rows; n++) {
                    for (int m = 0; m < rules; m++) mean[m] += scores[n * rules + m];
                }
            }
            draw[0]++;
            for (int m = 0; m < rules; m++) mean[m] /= (double) rows * counts.adaptationBatches();
            return mean;
        });
    }

    private void download(float[] scores, int[] rules, int rows) {
        backend.download(model.scores(), 0, scores, 0, scores.length);
        backend.download(batch.rules(), 0, rules, 0, rows);
    }

    /** Everything, in the keys of metrics.json. */
    public Map<String, Object> all() {
        Map<String, Object> out = new LinkedHashMap<>(performance());
        if (model.routed()) {
            double[][] joint = activationMatrix();
            out.putAll(routingJson(RoutingMetrics.of(joint), adaptation(), joint));
        }
        return out;
    }

    /**
     * The paper's "Random" row (plot_main.py's add_random) for R rules: the routing keys of the uniform (R, R)
     * activation matrix, adaptation from its module marginal. Shared by {@code eval --random-baseline} and the report.
     */
    public static Map<String, Object> randomBaseline(int rules) {
        Checks.rules(rules);
        double[][] uniform = new double[rules][rules];
        for (double[] row : uniform) Arrays.fill(row, 1.0 / (rules * rules));
        double[][] joint = ActivationMatrix.fromJoint(uniform);
        RoutingMetrics metrics = RoutingMetrics.of(joint);
        return routingJson(metrics, metrics.adaptationOfMarginal(), joint);
    }

    /** The routing keys shared by every report: metrics of a joint matrix plus an adaptation value. */
    public static Map<String, Object> routingJson(RoutingMetrics metrics, double adaptation, double[][] joint) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("collapse_avg", metrics.collapseAvg());
        out.put("collapse_worst", metrics.collapseWorst());
        out.put("alignment", metrics.alignment());
        out.put("adaptation", adaptation);
        out.put("mutual_information", metrics.mutualInformation());
        out.put("inverse_mutual_information", metrics.inverseMutualInformation());
        out.put("activation_matrix", joint);
        return out;
    }

    @Override
    public void close() {
        batch.close();
    }
}
