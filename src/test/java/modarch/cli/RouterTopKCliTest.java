package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import modarch.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Top-k routing from the command line: config.json, K = R is the dense run bit for bit, resume, refusals. */
class RouterTopKCliTest {
    @TempDir
    Path tmp;

    private static String[] train(Path out, String task, String model, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--task", task, "--model", model, "--rules", "3",
                "--batch-size", "16", "--iterations", "6", "--eval-every", "3", "--quiet", "--out", out.toString()));
        if (task.startsWith("mlp")) args.addAll(List.of("--enc-dim", "8", "--dim", "12"));
        if (task.startsWith("mha")) args.addAll(List.of("--dim", "8", "--att-dim", "12", "--seq-len", "4"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @ParameterizedTest
    @CsvSource({"mlp-regression, modular", "mlp-classification, modular-op", "mha-regression, modular",
        "mha-classification, modular-op"})
    void aTopKRunRecordsKAndResumes(String task, String model) throws Exception {
        Path out = tmp.resolve("run");
        CliTest.Result result = CliTest.run(train(out, task, model, "--router-topk", "2"));
        assertEquals(0, result.code(), result.err());
        JsonNode config = Json.MAPPER.readTree(out.resolve("config.json").toFile());
        assertEquals(2, config.get("router_topk").asInt());
        assertEquals(3, Files.readAllLines(out.resolve("log.jsonl")).size());
        List<String> again = new ArrayList<>(List.of(train(out, task, model, "--router-topk", "2")));
        again.add("--resume");
        CliTest.Result ok = CliTest.run(again.toArray(String[]::new));
        assertEquals(0, ok.code(), ok.err());
    }

    @Test
    void topKOfEveryModuleIsTheDenseRunBitForBit() throws Exception {
        Path dense = tmp.resolve("dense");
        Path all = tmp.resolve("all");
        Path two = tmp.resolve("two");
        assertEquals(0, CliTest.run(train(dense, "mlp-regression", "modular-op")).code());
        assertEquals(0, CliTest.run(train(all, "mlp-regression", "modular-op", "--router-topk", "3")).code());
        assertEquals(0, CliTest.run(train(two, "mlp-regression", "modular-op", "--router-topk", "2")).code());
        assertFalse(Files.readString(all.resolve("config.json")).contains("router_topk"), "K = R is stored as dense");
        for (String file : List.of("config.json", "log.jsonl", "model_last.safetensors")) {
            assertArrayEquals(Files.readAllBytes(dense.resolve(file)), Files.readAllBytes(all.resolve(file)), file);
        }
        assertFalse(Files.readString(dense.resolve("log.jsonl")).equals(Files.readString(two.resolve("log.jsonl"))),
                "K = 2 trains another model");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mlp-regression|gt-modular|2|--router-topk applies to the learned routings (modular, modular-op), not to gt-modular",
        "mlp-regression|monolithic|1|--router-topk applies to the learned routings (modular, modular-op), not to monolithic",
        "mlp-regression|modular|4|--router-topk 4 is not allowed: it must be in 1..3 (--rules), or 0 for dense routing",
        "mlp-regression|modular|-1|--router-topk -1 is not allowed: it must be in 1..3",
        "rnn-regression|modular|2|--router-topk is not available for the rnn tasks",
    })
    void badValuesAreOneLine(String task, String model, String k, String message) {
        CliTest.Result result = CliTest.run(train(tmp.resolve("bad"), task, model, "--router-topk", k));
        assertEquals(2, result.code(), result.err());
        assertTrue(result.err().contains(message), result.err());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertFalse(Files.exists(tmp.resolve("bad")), "nothing written");
    }
}
