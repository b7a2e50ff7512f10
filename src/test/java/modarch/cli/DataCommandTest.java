package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import modarch.io.Json;
import modarch.task.MhaTask;
import modarch.task.RnnTask;
import org.junit.jupiter.api.Test;

class DataCommandTest {
    @Test
    void oodWithCoefficientsIsRefusedNotIgnored() {
        CliTest.Result result = CliTest.run("data", "--task", "mlp-regression", "--coefficients", "--ood");
        assertEquals(2, result.code(), result.err());
        assertEquals("", result.out());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().startsWith("modarch: error: --ood applies to batches (--batch N), not to --coefficients"),
                result.err());
    }

    @Test
    void seedWithCoefficientsIsRefusedNotIgnored() {
        CliTest.Result result = CliTest.run("data", "--task", "mlp-regression", "--coefficients", "--seed", "5");
        assertEquals(2, result.code(), result.err());
        assertEquals("", result.out());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().startsWith("modarch: error: --seed 5 applies to batches"), result.err());
    }

    @Test
    void oodWithABatchStillWorks() {
        CliTest.Result in = CliTest.run("data", "--task", "mlp-regression", "--batch", "3");
        CliTest.Result ood = CliTest.run("data", "--task", "mlp-regression", "--batch", "3", "--ood");
        assertEquals(0, ood.code(), ood.err());
        assertTrue(ood.out().startsWith("{\"inputs\""), ood.out());
        assertNotEquals(in.out(), ood.out(), "--ood changes the batch");
    }

    @Test
    void anMhaBatchIsSequencesOfTokensAsTheModelSeesThem() throws Exception {
        CliTest.Result result = CliTest.run("data", "--task", "mha-regression", "--rules", "3", "--batch", "2",
                "--seq-len", "4", "--search-version", "2", "--data-seed", "5", "--seed", "7");
        assertEquals(0, result.code(), result.err());
        JsonNode json = Json.MAPPER.readTree(result.out());
        MhaTask task = new MhaTask(3, 5, false, 2, 4);
        int features = task.inputWidth();
        assertEquals(2, json.get("inputs").size());
        for (int e = 0; e < 2; e++) {
            JsonNode sequence = json.get("inputs").get(e);
            assertEquals(4, sequence.size(), "tokens per sequence");
            double[] x = new double[4 * features];
            for (int t = 0; t < 4; t++) {
                JsonNode token = sequence.get(t);
                assertEquals(features + 3, token.size(), "[features, onehot(rule)] per token");
                int rule = json.get("rules").get(e).get(t).asInt();
                for (int r = 0; r < 3; r++) assertEquals(r == rule ? 1.0 : 0.0, token.get(features + r).asDouble());
                for (int f = 0; f < features; f++) x[t * features + f] = token.get(f).asDouble();
            }
            for (int t = 0; t < 4; t++) {
                double label = task.label(x, 4, t, json.get("rules").get(e).get(t).asInt());
                assertEquals((float) label, (float) json.get("labels").get(e).get(t).asDouble(), "label of token " + t);
            }
        }
    }

    @Test
    void anRnnBatchIsSequencesOfStepsWithTheirStates() throws Exception {
        CliTest.Result result = CliTest.run("data", "--task", "rnn-regression", "--rules", "3", "--batch", "2",
                "--seq-len", "5", "--d-dim", "4", "--order", "2", "--data-seed", "5", "--seed", "7");
        assertEquals(0, result.code(), result.err());
        JsonNode json = Json.MAPPER.readTree(result.out());
        RnnTask task = new RnnTask(3, 5, false, 4, 2, 5);
        assertEquals(2, json.get("inputs").size());
        for (int e = 0; e < 2; e++) {
            double[] x = new double[5 * 4];
            int[] rules = new int[5];
            for (int t = 0; t < 5; t++) {
                JsonNode step = json.get("inputs").get(e).get(t);
                assertEquals(4 + 3, step.size(), "[x_t, onehot(rule)] per step");
                rules[t] = json.get("rules").get(e).get(t).asInt();
                for (int r = 0; r < 3; r++) assertEquals(r == rules[t] ? 1.0 : 0.0, step.get(4 + r).asDouble());
                for (int f = 0; f < 4; f++) x[t * 4 + f] = step.get(f).asDouble();
            }
            double[] states = task.states(x, rules);
            for (int t = 0; t < 5; t++) {
                JsonNode label = json.get("labels").get(e).get(t);
                assertEquals(4, label.size(), "the state s_t per step");
                for (int j = 0; j < 4; j++) {
                    assertEquals((float) states[t * 4 + j], (float) label.get(j).asDouble(), "state " + t + "," + j);
                }
            }
        }
    }

    @Test
    void rnnCoefficientsAreTheTransitionInputAndDecoder() throws Exception {
        CliTest.Result result = CliTest.run("data", "--task", "rnn-classification", "--rules", "2", "--d-dim", "3",
                "--coefficients");
        assertEquals(0, result.code(), result.err());
        JsonNode json = Json.MAPPER.readTree(result.out());
        assertEquals(List.of("transition", "input", "decoder"), fieldNames(json));
        assertEquals(2 * 3 * 3, json.get("transition").size());
        assertEquals(2 * 3 * 3, json.get("input").size());
        assertEquals(3, json.get("decoder").size());
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
