package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import modarch.io.Json;
import modarch.io.Safetensors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * NaN by a huge learning rate through the CLI, in both tasks: exit 3 with one error line, the checkpoints stay
 * the iteration-0 ones, log.jsonl ends with the diverged event, and eval of the run works on finite weights.
 */
class DivergenceCliTest {
    @TempDir
    Path tmp;

    /**
     * evalEvery 100: caught at the evaluation at 100. evalEvery 1000: the look at the training loss every 100 steps
     * could catch it at 100, but NaN parameters give finite losses here (the model's ReLU turns NaN into 0), so today
     * it is the parameter scan of the last evaluation, at 250, that does; either way nothing after iteration 0 is kept.
     */
    @ParameterizedTest
    @CsvSource({"mlp-regression, 100", "mlp-classification, 100", "mlp-regression, 1000", "mlp-classification, 1000"})
    void hugeLearningRateDivergesKeepingIterationZero(String task, int evalEvery) throws Exception {
        Path run = tmp.resolve("run");
        CliTest.Result result = CliTest.run("train", "--task", task, "--model", "modular", "--rules", "2", "--enc-dim", "8",
                "--dim", "16", "--batch-size", "16", "--iterations", "250", "--eval-every", Integer.toString(evalEvery),
                "--lr", "1e6", "--quiet", "--out", run.toString());
        assertEquals(3, result.code(), result.err());
        List<String> lines = result.err().lines().filter(l -> !l.startsWith("modarch: backend ")).toList();
        assertEquals(1, lines.size(), "one error line: " + result.err());
        Matcher at = Pattern.compile("^modarch: error: run " + Pattern.quote(
                run.toString()) + " diverged at iteration (\\d+) \\(").matcher(lines.get(0));
        assertTrue(at.find(), result.err());
        int iteration = Integer.parseInt(at.group(1));
        assertTrue(iteration == 100 || evalEvery > 100 && iteration <= 250, result.err());
        assertTrue(lines.get(0).contains("last good checkpoint, iteration 0"), result.err());

        for (String file : List.of("model_best.safetensors", "model_last.safetensors", "training_state.safetensors")) {
            Safetensors.Loaded loaded = Safetensors.read(run.resolve(file));
            assertEquals("0", loaded.metadata().get("iteration"), file);
            for (Safetensors.Tensor t : loaded.tensors()) {
                for (float v : t.data()) assertTrue(Float.isFinite(v), file + " " + t.name());
            }
        }
        List<String> log = Files.readAllLines(run.resolve("log.jsonl"));
        assertEquals(2, log.size(), String.join("\n", log));
        JsonNode event = Json.MAPPER.readTree(log.get(1));
        assertEquals("diverged", event.get("event").asText());
        assertEquals(iteration, event.get("iteration").asInt());
        assertTrue(event.get("reason").asText().contains("NaN") || event.get("reason").asText().contains("Infinity"),
                log.get(1));

        CliTest.Result eval = CliTest.run("eval", run.toString(), "--fast", "--json", "--eval-batch-size", "50");
        assertEquals(0, eval.code(), eval.err());
        JsonNode metrics = Json.MAPPER.readTree(eval.out());
        assertEquals(0, metrics.get("iteration").asInt());
        assertEquals(0, metrics.get("run_iteration").asInt());
        assertTrue(Double.isFinite(metrics.get("loss").asDouble()), eval.out());
        assertTrue(Files.isRegularFile(run.resolve("metrics.json")));
    }
}
