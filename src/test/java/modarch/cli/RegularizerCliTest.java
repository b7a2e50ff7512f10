package modarch.cli;

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

/** The routing regularisers from the command line: config.json, log.jsonl's terms, resume, refusals. */
class RegularizerCliTest {
    @TempDir
    Path tmp;

    private static List<String> train(Path out, String task, String model, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--task", task, "--model", model, "--rules", "3",
                "--batch-size", "16", "--iterations", "6", "--eval-every", "3", "--quiet", "--out", out.toString()));
        if (task.startsWith("mlp")) args.addAll(List.of("--enc-dim", "8", "--dim", "12"));
        if (task.startsWith("mha")) args.addAll(List.of("--dim", "8", "--att-dim", "12", "--seq-len", "4"));
        if (task.startsWith("rnn")) {
            args.addAll(List.of("--enc-dim", "8", "--h-dim", "8", "--d-dim", "3", "--seq-len", "4"));
        }
        args.addAll(List.of(extra));
        return args;
    }

    @ParameterizedTest
    @CsvSource({"mlp-regression, modular", "mlp-classification, modular-op", "mha-regression, modular",
        "mha-classification, modular-op", "rnn-regression, modular", "rnn-classification, modular-op"})
    void aRegularisedRunRecordsItsWeightsAndLogsEachTerm(String task, String model) throws Exception {
        Path out = tmp.resolve("run");
        String[] weights = {"--load-balance", "0.1", "--router-z-loss", "0.01", "--mi-loss", "0.5"};
        CliTest.Result result = CliTest.run(train(out, task, model, weights).toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        JsonNode config = Json.MAPPER.readTree(out.resolve("config.json").toFile());
        assertEquals(0.1, config.get("load_balance").asDouble());
        assertEquals(0.01, config.get("router_z_loss").asDouble());
        assertEquals(0.5, config.get("mi_loss").asDouble());
        assertEachTermLogged(out);
        CliTest.Result resumed = CliTest.run(train(out, task, model, weights).toArray(String[]::new));
        assertEquals(2, resumed.code(), "a complete run without --resume is refused");
        List<String> again = new ArrayList<>(train(out, task, model, weights));
        again.add("--resume");
        CliTest.Result ok = CliTest.run(again.toArray(String[]::new));
        assertEquals(0, ok.code(), ok.err());
    }

    /** Each regulariser alone on the RNN family's learned routings (its Modular scores inside the fused LSTM step). */
    @ParameterizedTest
    @CsvSource({"rnn-regression, modular, --load-balance", "rnn-classification, modular, --router-z-loss",
        "rnn-regression, modular, --mi-loss", "rnn-classification, modular-op, --load-balance",
        "rnn-regression, modular-op, --router-z-loss", "rnn-classification, modular-op, --mi-loss"})
    void anRnnRunTrainsWithEachRegulariser(String task, String model, String option) throws Exception {
        Path out = tmp.resolve("run");
        CliTest.Result result = CliTest.run(train(out, task, model, option, "0.3").toArray(String[]::new));
        assertEquals(0, result.code(), result.err());
        assertEachTermLogged(out);
    }

    /** log.jsonl's evaluations after training steps (at 3 and 6) hold the three terms, each in its range. */
    private static void assertEachTermLogged(Path out) throws Exception {
        List<String> log = Files.readAllLines(out.resolve("log.jsonl"));
        assertEquals(3, log.size());
        assertFalse(log.get(0).contains("routing_mi"), "iteration 0 has no training step");
        for (String line : log.subList(1, log.size())) {
            JsonNode node = Json.MAPPER.readTree(line);
            assertTrue(Double.isFinite(node.get("train_loss").asDouble()), line);
            double balance = node.get("load_balance_loss").asDouble();
            double z = node.get("router_z_loss").asDouble();
            double mi = node.get("routing_mi").asDouble();
            assertTrue(balance >= 1 - 1e-6 && balance <= 3 + 1e-6, "R sum f P is in [1, R]: " + balance);
            assertTrue(z >= 0, "a mean square: " + z);
            assertTrue(mi >= -1e-6 && mi <= Math.log(3) + 1e-6, "MI is in [0, log R]: " + mi);
        }
    }

    @Test
    void aRunWithoutRegularisersKeepsThePapersFiles() throws Exception {
        Path out = tmp.resolve("run");
        assertEquals(0, CliTest.run(train(out, "mlp-regression", "modular").toArray(String[]::new)).code());
        String config = Files.readString(out.resolve("config.json"));
        assertFalse(config.contains("load_balance"), config);
        assertFalse(Files.readString(out.resolve("log.jsonl")).contains("routing_mi"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mlp-regression|monolithic|--load-balance|0.1|--load-balance applies to the learned routings (modular, modular-op), not to monolithic",
        "mlp-regression|gt-modular|--mi-loss|1|--mi-loss applies to the learned routings (modular, modular-op), not to gt-modular",
        "mlp-regression|modular|--router-z-loss|-1|--router-z-loss -1.0 is not allowed: it must be a finite weight >= 0",
        "mlp-regression|modular|--load-balance|Infinity|--load-balance Infinity is not allowed",
        "rnn-regression|gt-modular|--load-balance|0.1|--load-balance applies to the learned routings (modular, modular-op), not to gt-modular",
        "rnn-classification|monolithic|--router-z-loss|0.1|--router-z-loss applies to the learned routings (modular, modular-op), not to monolithic",
    })
    void badWeightsAreOneLineAndWriteNothing(String task, String model, String option, String value, String message) {
        Path out = tmp.resolve("bad");
        CliTest.Result result = CliTest.run(train(out, task, model, option, value).toArray(String[]::new));
        assertEquals(2, result.code(), result.err());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertTrue(result.err().contains(message), result.err());
        assertFalse(Files.exists(out));
    }
}
