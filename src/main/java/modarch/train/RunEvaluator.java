package modarch.train;

import java.util.LinkedHashMap;
import java.util.Map;
import modarch.backend.Backend;
import modarch.metrics.ActivationMatrix;
import modarch.metrics.Adaptation;
import modarch.metrics.RoutingMetrics;
import modarch.model.MlpModel;
import modarch.task.FastRandom;
import modarch.task.MlpTask;

/**
 * The paper's measurements of one trained model, as the reference's perf.py, prob.py and spec.py
 * compute them: performance on fresh batches (in distribution and OoD), the activation matrix
 * and the routing metrics from it, and adaptation to Dirichlet-drawn rule distributions. Every
 * pass is forward only, batched, into buffers made once.
 */
public final class RunEvaluator {
    /** Data streams of the evaluation, distinct from training's (FastRandom(seed, stream)). */
    private static final long PERFORMANCE_STREAM = 10;
    private static final long ACTIVATION_STREAM = 11;
    private static final long ADAPTATION_STREAM = 12;

    private final Backend backend;
    private final MlpModel model;
    private final TrainConfig config;
    private final EvalCounts counts;
    private final MlpTask[] task;
    private final MlpBatch batch;

    public RunEvaluator(Backend backend, LoadedRun run, EvalCounts counts) {
        this.backend = backend;
        this.model = run.model();
        this.config = run.config();
        this.counts = counts;
        this.task = new MlpTask[] {new MlpTask(config.rules(), config.dataSeed(), config.task().classification())};
        this.batch = new MlpBatch(1, counts.batchSize());
    }

    private FastRandom[] stream(long id) {
        return new FastRandom[] {new FastRandom(config.seed(), id)};
    }

    /** Mean loss (and error %) in distribution and OoD, keys loss, ood_loss[, error, ood_error]. */
    public Map<String, Object> performance() {
        Evaluator evaluator = new Evaluator(backend, model, task, Loss.forTask(config.task().classification()),
                counts.batchSize());
        FastRandom[] streams = stream(PERFORMANCE_STREAM);
        double[] loss = new double[1];
        double[] accuracy = new double[1];
        Map<String, Object> out = new LinkedHashMap<>();
        for (boolean ood : new boolean[] {false, true}) {
            evaluator.evaluate(streams, counts.performanceBatches(), ood, loss, accuracy);
            String prefix = ood ? "ood_" : "";
            out.put(prefix + "loss", loss[0]);
            if (config.task().classification()) out.put(prefix + "error", 100.0 - accuracy[0]);
        }
        return out;
    }

    /** The joint activation matrix P (R, R) over uniformly drawn rules. */
    public double[][] activationMatrix() {
        ActivationMatrix matrix = new ActivationMatrix(config.rules());
        FastRandom[] streams = stream(ACTIVATION_STREAM);
        int rows = counts.batchSize();
        for (int i = 0; i < counts.activationBatches(); i++) {
            batch.fill(task, streams, rows, false, null);
            model.forwardScores(batch.a(), batch.b(), batch.rule(), rows);
            matrix.add(model.scores(), batch.rule(), rows);
        }
        return matrix.joint();
    }

    /** spec.py: mean over 100 Dirichlet(1) rule distributions of the sorted-score distance. */
    public double adaptation() {
        FastRandom[] streams = stream(ADAPTATION_STREAM);
        int rows = counts.batchSize();
        int rules = config.rules();
        double[] mean = new double[rules];
        return Adaptation.mean(rules, q -> {
            java.util.Arrays.fill(mean, 0.0);
            for (int i = 0; i < counts.adaptationBatches(); i++) {
                batch.fill(task, streams, rows, false, q);
                model.forwardScores(batch.a(), batch.b(), batch.rule(), rows);
                float[] scores = model.scores(); // (rows, R)
                for (int n = 0; n < rows; n++) {
                    for (int m = 0; m < rules; m++) mean[m] += scores[n * rules + m];
                }
            }
            for (int m = 0; m < rules; m++) mean[m] /= (double) rows * counts.adaptationBatches();
            return mean;
        });
    }

    /** Everything, in the keys of metrics.json. */
    public Map<String, Object> all() {
        Map<String, Object> out = new LinkedHashMap<>(performance());
        if (config.model().routed()) {
            double[][] joint = activationMatrix();
            out.putAll(routingJson(RoutingMetrics.of(joint), adaptation(), joint));
        }
        return out;
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
}
