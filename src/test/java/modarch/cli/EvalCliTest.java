package modarch.cli;

import static modarch.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import modarch.Golden;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EvalCliTest {
    @TempDir
    Path tmp;
    Path runDir;

    @BeforeEach
    void train() {
        runDir = tmp.resolve("run");
        CliTest.Result trained = run("train", "--task", "mlp-classification", "--model", "modular-op", "--rules", "3",
                "--enc-dim", "8", "--dim", "12", "--batch-size", "16", "--iterations", "2", "--eval-every", "1",
                "--quiet", "--out", runDir.toString());
        assertEquals(0, trained.code(), trained.err());
    }

    private static void assertOneLineError(CliTest.Result result, String mentions) {
        assertEquals(2, result.code(), result.err());
        String errors = result.err().lines().filter(l -> l.startsWith("modarch: error:")).reduce("", String::concat);
        assertTrue(errors.contains(mentions), "error should mention '" + mentions + "': " + result.err());
        assertEquals(1, result.err().lines().filter(l -> l.startsWith("modarch: error:")).count());
    }

    @Test
    void evalWritesMetricsJsonWithEveryKey() throws IOException {
        CliTest.Result result = run("eval", runDir.toString(), "--fast", "--json", "--eval-batch-size", "100");
        assertEquals(0, result.code(), result.err());
        JsonNode printed = new ObjectMapper().readTree(result.out());
        JsonNode stored = new ObjectMapper().readTree(runDir.resolve("metrics.json").toFile());
        for (String key : new String[] {"loss", "ood_loss", "error", "ood_error", "collapse_avg", "collapse_worst",
            "alignment", "adaptation", "mutual_information", "inverse_mutual_information", "activation_matrix"}) {
            assertTrue(printed.has(key) && stored.has(key), key);
        }
        assertTrue(stored.get("fast").asBoolean());
        assertEquals(10, stored.get("counts").get("performance_batches").asInt());
        assertEquals(3, stored.get("activation_matrix").size());
    }

    @Test
    void evalBadInput() throws IOException {
        assertOneLineError(run("eval", runDir.toString(), "--checkpoint", "middle"), "middle");
        assertOneLineError(run("eval", tmp.resolve("nowhere").toString()), "nowhere");
        Files.delete(runDir.resolve("model_best.safetensors"));
        assertOneLineError(run("eval", runDir.toString(), "--checkpoint", "best"), "model_best.safetensors");
        Files.write(runDir.resolve("model_last.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertOneLineError(run("eval", runDir.toString()), "model_last.safetensors");
        Files.delete(runDir.resolve("config.json"));
        assertOneLineError(run("eval", runDir.toString()), "config.json");
        assertFalse(Files.exists(runDir.resolve("metrics.json")), "nothing written");
    }

    /** The Random row equals the golden uniform matrices' metrics. */
    @Test
    void randomBaselineMatchesGoldenUniform() throws IOException {
        JsonNode golden = Golden.read("metrics.json");
        for (JsonNode c : golden.get("cases")) {
            if (!c.get("name").asText().equals("uniform")) continue;
            int rules = c.get("rules").asInt();
            JsonNode out = new ObjectMapper().readTree(run("eval", "--random-baseline", "--rules", "" + rules, "--json").out());
            for (String key : new String[] {"collapse_avg", "collapse_worst", "alignment", "mutual_information",
                "inverse_mutual_information"}) {
                assertEquals(c.get(key).asDouble(), out.get(key).asDouble(), 1e-9, rules + " " + key);
            }
            assertEquals(c.get("adaptation_of_marginal_100_dirichlet_draws").asDouble(), out.get("adaptation").asDouble(), 1e-9);
        }
    }

    @Test
    void metricsFromAFileAndItsErrors() throws IOException {
        Path joint = tmp.resolve("joint.json");
        Files.writeString(joint, "{\"joint\": [[0.25, 0.25], [0, 0.5]]}");
        JsonNode out = new ObjectMapper().readTree(run("metrics", joint.toString(), "--json").out());
        assertEquals(0.5, out.get("collapse_avg").asDouble(), 1e-12); // marginal (0.25, 0.75)
        assertTrue(out.get("adaptation_source").asText().contains("Random-row"));

        Path conditional = tmp.resolve("conditional.json");
        Files.writeString(conditional, "{\"conditional\": [[1, 0], [0, 1]]}");
        out = new ObjectMapper().readTree(run("metrics", conditional.toString(), "--json").out());
        assertEquals(0.0, out.get("alignment").asDouble(), 1e-12);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"joint\": [[0.5, 0.5]]}",
        "{\"joint\": [[0.5, -0.1], [0.3, 0.3]]}",
        "{\"joint\": [[0.5, \"NaN\"], [0.3, 0.3]]}",
        "{\"joint\": [[0, 0], [0, 0]]}",
        "{\"something\": 1}",
        "not json",
    })
    void metricsRejectsBadMatrices(String content) throws IOException {
        Path file = tmp.resolve("bad.json");
        Files.writeString(file, content);
        CliTest.Result result = run("metrics", file.toString());
        assertEquals(2, result.code(), result.err());
        assertEquals(1, result.err().lines().filter(l -> l.startsWith("modarch: error:")).count(), result.err());
    }
}
