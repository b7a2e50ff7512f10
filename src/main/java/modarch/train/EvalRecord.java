package modarch.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluation of a run: a line of log.jsonl. Accuracies are percentages and are NaN
 * for regression (then left out of the JSON).
 */
public record EvalRecord(long iteration, double trainLoss, double evalLoss, double evalOodLoss,
                         double evalAccuracy, double evalOodAccuracy) {

    /** The first non-finite loss, named as in log.jsonl, or null when all are finite. */
    public String nonFiniteLoss() {
        if (!Double.isFinite(trainLoss)) return "train_loss " + trainLoss;
        if (!Double.isFinite(evalLoss)) return "eval_loss " + evalLoss;
        if (!Double.isFinite(evalOodLoss)) return "eval_ood_loss " + evalOodLoss;
        return null;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("iteration", iteration);
        map.put("train_loss", trainLoss);
        map.put("eval_loss", evalLoss);
        map.put("eval_ood_loss", evalOodLoss);
        if (!Double.isNaN(evalAccuracy)) {
            map.put("eval_accuracy", evalAccuracy);
            map.put("eval_ood_accuracy", evalOodAccuracy);
        }
        return map;
    }

    /** Reads back one line of log.jsonl as {@link #toMap()} wrote it. */
    public static EvalRecord fromJson(String line) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode node = modarch.io.Json.MAPPER.readTree(line);
        return new EvalRecord(node.path("iteration").asLong(), node.path("train_loss").asDouble(Double.NaN),
                node.path("eval_loss").asDouble(Double.NaN), node.path("eval_ood_loss").asDouble(Double.NaN),
                node.path("eval_accuracy").asDouble(Double.NaN), node.path("eval_ood_accuracy").asDouble(Double.NaN));
    }

    /** Larger is better: accuracy for classification, minus the loss for regression. */
    public double selectionScore() {
        return Double.isNaN(evalAccuracy) ? -evalLoss : evalAccuracy;
    }
}
