package modarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import modarch.io.Json;
import modarch.task.MlpTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CliTest {
    @TempDir
    Path tmp;

    /** The exit code, stdout and stderr of one CLI call. */
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private List<String> trainArgs(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--task", "mlp-regression", "--model", "modular",
                "--rules", "2", "--enc-dim", "8", "--dim", "16", "--batch-size", "16", "--iterations", "4",
                "--eval-every", "2", "--quiet", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--task|mlp-foo|mlp-foo",
        "--model|mixture|mixture",
        "--rules|1|--rules 1",
        "--rules|65|--rules 65",
        "--dim|1|--dim 1",
        "--iterations|0|--iterations 0",
        "--iterations|-3|--iterations -3",
        "--device|tpu|tpu",
    })
    void badTrainOptionsExitTwoWithOneLineAndWriteNothing(String option, String value, String named) {
        Path out = tmp.resolve("run");
        List<String> args = trainArgs(out);
        int at = args.indexOf(option);
        if (at >= 0) {
            args.set(at + 1, value);
        } else {
            args.add(option);
            args.add(value);
        }
        Result result = run(args.toArray(String[]::new));
        assertEquals(2, result.code(), result.err());
        String message = result.err().lines().filter(l -> l.startsWith("modarch: error:")).findFirst().orElse("");
        assertTrue(message.contains(named), "the error names the value: " + result.err());
        assertEquals(1, result.err().lines().filter(l -> !l.startsWith("WARNING")).count(), "one line: " + result.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void existingNonEmptyOutNeedsResume() throws IOException {
        Path out = tmp.resolve("taken");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        Result result = run(trainArgs(out).toArray(String[]::new));
        assertEquals(2, result.code());
        assertTrue(result.err().contains("--resume"), result.err());
        try (var entries = Files.list(out)) {
            assertEquals(1, entries.count(), "nothing written beside the user's file");
        }
    }

    @Test
    void trainWritesRunAndResumeRefusesChangedOptions() throws IOException {
        Path out = tmp.resolve("ok");
        Result first = run(trainArgs(out).toArray(String[]::new));
        assertEquals(0, first.code(), first.err());
        JsonNode config = Json.MAPPER.readTree(out.resolve("config.json").toFile());
        // R=2, E=8, D=16: digit encoder 88, rule encoder 96, MLP.0 400, MLP.2 (D+1 outputs) 306, decoder 145
        assertEquals(88 + 96 + 400 + 306 + 145, config.get("parameters").asInt());
        assertEquals("modular", config.get("model").asText());
        assertTrue(config.has("backend") && config.has("engine_version"));
        assertEquals(3, Files.readAllLines(out.resolve("log.jsonl")).size());

        Result changed = run("train", "--task", "mlp-regression", "--model", "modular", "--dim", "32", "--out",
                out.toString(), "--resume", "--quiet");
        assertEquals(2, changed.code());
        assertTrue(changed.err().contains("--dim 32"), changed.err());

        Result resumed = run("train", "--task", "mlp-regression", "--model", "modular", "--out", out.toString(),
                "--resume", "--quiet", "--iterations", "4");
        assertEquals(0, resumed.code(), resumed.err());
    }

    @Test
    void dataPrintsCoefficientsAndBatches() throws IOException {
        Result coeff = run("data", "--task", "mlp-regression", "--rules", "8", "--data-seed", "3", "--coefficients");
        assertEquals(0, coeff.code(), coeff.err());
        JsonNode json = Json.MAPPER.readTree(coeff.out());
        MlpTask task = new MlpTask(8, 3, false);
        for (int r = 0; r < 8; r++) {
            assertEquals(task.coeff1()[r], json.get("coeff1").get(r).asDouble());
            assertEquals(task.coeff2()[r], json.get("coeff2").get(r).asDouble());
        }

        JsonNode batch = Json.MAPPER.readTree(run("data", "--task", "mlp-classification", "--rules", "8",
                "--data-seed", "3", "--batch", "16", "--seed", "5").out());
        JsonNode ood = Json.MAPPER.readTree(run("data", "--task", "mlp-classification", "--rules", "8",
                "--data-seed", "3", "--batch", "16", "--seed", "5", "--ood").out());
        assertEquals(16, batch.get("inputs").size());
        for (int i = 0; i < 16; i++) {
            JsonNode row = batch.get("inputs").get(i);
            assertEquals(2 + 8, row.size());
            int rule = batch.get("rules").get(i).asInt();
            assertEquals(1.0, row.get(2 + rule).asDouble());
            assertEquals(task.label(row.get(0).asDouble(), row.get(1).asDouble(), rule) >= 0 ? 1.0 : 0.0,
                    batch.get("labels").get(i).asDouble());
            assertEquals(2 * row.get(0).asDouble(), ood.get("inputs").get(i).get(0).asDouble(), 1e-6);
        }
        assertArrayEquals(new int[] {2}, new int[] {run("data", "--task", "mlp-regression", "--batch", "0").code()});
    }
}
