package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import modarch.io.Json;
import modarch.task.MhaTask;
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
}
