package modarch.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import modarch.io.Json;

/**
 * One evaluation of a run: a line of log.jsonl. The losses are at the training length; sequence families add one
 * {@link LengthEval} per evaluation length (empty for the MLP family). Accuracies are percentages and are NaN for
 * regression (then left out of the JSON).
 */
public record EvalRecord(long iteration, double trainLoss, double evalLoss, double evalOodLoss,
                         double evalAccuracy, double evalOodAccuracy, List<LengthEval> byLength) {

    /** The evaluation at one sequence length, in distribution and OoD. */
    public record LengthEval(int length, double loss, double oodLoss, double accuracy, double oodAccuracy) {
        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("length", length);
            putLosses(map, loss, oodLoss, accuracy, oodAccuracy);
            return map;
        }
    }

    public EvalRecord {
        byLength = List.copyOf(byLength);
    }

    /** An evaluation at one length (the MLP family). */
    public EvalRecord(long iteration, double trainLoss, double evalLoss, double evalOodLoss, double evalAccuracy,
                      double evalOodAccuracy) {
        this(iteration, trainLoss, evalLoss, evalOodLoss, evalAccuracy, evalOodAccuracy, List.of());
    }

    /** The same evaluation logged with another training loss. */
    public EvalRecord withTrainLoss(double loss) {
        return new EvalRecord(iteration, loss, evalLoss, evalOodLoss, evalAccuracy, evalOodAccuracy, byLength);
    }

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
        putLosses(map, evalLoss, evalOodLoss, evalAccuracy, evalOodAccuracy);
        if (!byLength.isEmpty()) map.put("eval_by_length", byLength.stream().map(LengthEval::toMap).toList());
        return map;
    }

    private static void putLosses(Map<String, Object> map, double loss, double oodLoss, double accuracy,
                                  double oodAccuracy) {
        map.put("eval_loss", loss);
        map.put("eval_ood_loss", oodLoss);
        if (!Double.isNaN(accuracy)) {
            map.put("eval_accuracy", accuracy);
            map.put("eval_ood_accuracy", oodAccuracy);
        }
    }

    /** Reads back one line of log.jsonl as {@link #toMap()} wrote it. */
    public static EvalRecord fromJson(String line) throws IOException {
        JsonNode node = Json.MAPPER.readTree(line);
        List<LengthEval> lengths = new ArrayList<>();
        for (JsonNode l : node.path("eval_by_length")) {
            lengths.add(new LengthEval(l.path("length").asInt(), l.path("eval_loss").asDouble(Double.NaN),
                    l.path("eval_ood_loss").asDouble(Double.NaN), l.path("eval_accuracy").asDouble(Double.NaN),
                    l.path("eval_ood_accuracy").asDouble(Double.NaN)));
        }
        return new EvalRecord(node.path("iteration").asLong(), node.path("train_loss").asDouble(Double.NaN),
                node.path("eval_loss").asDouble(Double.NaN), node.path("eval_ood_loss").asDouble(Double.NaN),
                node.path("eval_accuracy").asDouble(Double.NaN), node.path("eval_ood_accuracy").asDouble(Double.NaN),
                lengths);
    }

    /** Larger is better: accuracy for classification, minus the loss for regression. */
    public double selectionScore() {
        return Double.isNaN(evalAccuracy) ? -evalLoss : evalAccuracy;
    }
}
