package modarch.report;

import java.util.List;
import java.util.Map;
import modarch.model.ModelKind;
import modarch.train.Capacity;
import modarch.train.EvalRecord;
import modarch.train.TrainConfig;

/**
 * One run found under a results directory: a row of results.csv.
 *
 * @param path         the run directory relative to the results directory, '/'-separated ("." for the directory itself)
 * @param backend      config.json's backend ("" when absent)
 * @param parameters   config.json's parameter count (-1 when absent)
 * @param trainSeconds sweep.json's train_seconds (NaN without it)
 * @param evalSeconds  metrics.json's seconds (NaN without it)
 * @param note         why a run is not complete ("" when it is)
 * @param metrics      every number of metrics.json that is a measurement (loss, ood_loss, collapse_avg, ...)
 * @param activation   metrics.json's joint activation matrix (R, R), rows rules, columns modules; null without one
 * @param curve        log.jsonl's evaluations, in file order
 */
public record RunRow(String path, TrainConfig config, String backend, long parameters, double trainSeconds,
                     double evalSeconds, String runId, RunStatus status, String note, Map<String, Double> metrics,
                     double[][] activation, List<EvalRecord> curve) {

    public ModelKind kind() {
        return config.model();
    }

    public int rules() {
        return config.rules();
    }

    public Capacity capacity() {
        return Capacity.of(config);
    }

    public Variant variant() {
        return Variant.of(config);
    }

    Remedy remedy() {
        return Remedy.of(config);
    }

    public boolean complete() {
        return status == RunStatus.COMPLETE;
    }

    /** metrics.json's value of key, NaN when the run has none. */
    public double metric(String key) {
        Double v = metrics.get(key);
        return v == null ? Double.NaN : v;
    }
}
